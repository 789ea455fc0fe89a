import { Transform } from 'class-transformer';
import { IsArray, IsEmail, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';

/**
 * An address is one identity however its accents were encoded: `zoë` typed as one character (NFC)
 * or as `e` plus a combining diaeresis (NFD) looks the same to everyone, so it is kept as NFC.
 */
export const composedText = (value: unknown): unknown => (typeof value === 'string' ? value.normalize('NFC') : value);
export const ComposedText = () => Transform(({ value }) => composedText(value));
import { IsModuleRoles, type ModuleRoles } from '@tollgate/contracts';

export class CreateUserDto {
  @ComposedText() @IsEmail() @MaxLength(254) email!: string;
  @IsString() @Matches(/\S/, { message: 'name must not be blank' }) @MaxLength(200) name!: string;
  @IsOptional() @IsString() @MinLength(8) @MaxLength(200) password?: string;
  @IsModuleRoles() roles!: ModuleRoles;
}

export class UpdateUserDto {
  @IsOptional() @IsModuleRoles() roles?: ModuleRoles;
  @IsOptional() @IsIn(['active', 'deactivated']) status?: 'active' | 'deactivated';
  @IsOptional() @IsArray() @IsUUID('all', { each: true }) groups?: string[];
}

export interface UserView {
  id: string;
  email: string;
  name: string;
  roles: ModuleRoles;
  status: 'active' | 'deactivated';
  groups: string[];
  createdAt: string;
}
