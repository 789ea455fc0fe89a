import { IsArray, IsEmail, IsIn, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { IsModuleRoles, type ModuleRoles } from '@tollgate/contracts';

export class CreateUserDto {
  @IsEmail() @MaxLength(254) email!: string;
  @IsString() @MinLength(1) @MaxLength(200) name!: string;
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
