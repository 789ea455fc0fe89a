import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsTimeZone,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import {
  IsInstant,
  IsModuleRoles,
  KEY_KINDS,
  KEY_SCOPES,
  MAX_DAILY_CREDITS,
  MAX_DATA_KEY_ENTITIES,
  MAX_ENTITY_NAME_LENGTH,
  MODULE_ROLES,
  type KeyKind,
  type KeyScope,
  type ModuleRoles,
} from '@tollgate/contracts';

const rolesSchema: ApiPropertyOptions = {
  type: 'object',
  additionalProperties: { type: 'string', enum: [...MODULE_ROLES] },
  example: { users: 'admin', query: 'reader' },
};

export class LoginDto {
  /** Instance ids are lower case: a person typing `Acme` at sign-in means `acme`. */
  @ApiProperty({ example: 'demo' })
  @Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : value))
  @IsString()
  @MinLength(1)
  @MaxLength(63)
  instance!: string;
  @ApiProperty({ example: 'admin@demo.test' }) @IsString() @MaxLength(254) email!: string;
  @ApiProperty() @IsString() @MaxLength(200) password!: string;
}

export class CreateInstanceDto {
  @ApiProperty({ example: 'acme', pattern: '^[a-z][a-z0-9-]{1,62}$' })
  @Matches(/^[a-z][a-z0-9-]{1,62}$/, { message: 'id must be 2-63 lowercase letters, digits or dashes, starting with a letter' })
  id!: string;
  @ApiProperty({ example: 'Acme Corp' }) @IsString() @MinLength(1) @MaxLength(200) name!: string;
  @ApiProperty({ example: 10000, minimum: 0, maximum: MAX_DAILY_CREDITS }) @IsInt() @Min(0) @Max(MAX_DAILY_CREDITS) dailyCredits!: number;
  @ApiProperty({ example: 'Europe/Paris', description: 'IANA time zone; the credit pool resets at local midnight' })
  @IsTimeZone()
  timezone!: string;
}

export class ChangePlanDto {
  @ApiPropertyOptional({ minimum: 0, maximum: MAX_DAILY_CREDITS }) @IsOptional() @IsInt() @Min(0) @Max(MAX_DAILY_CREDITS) dailyCredits?: number;
  @ApiPropertyOptional({ example: 'America/New_York' }) @IsOptional() @IsTimeZone() timezone?: string;
}

export class CreateUserDto {
  @ApiProperty({ example: 'ada@acme.test' }) @IsEmail() @MaxLength(254) email!: string;
  @ApiProperty({ example: 'Ada' }) @IsString() @Matches(/\S/, { message: 'name must not be blank' }) @MaxLength(200) name!: string;
  @ApiPropertyOptional({ minLength: 8, description: 'Needed for console login' })
  @IsOptional()
  @IsString()
  @MinLength(8)
  @MaxLength(200)
  password?: string;
  @ApiProperty({ ...rolesSchema, description: 'Role per module' }) @IsModuleRoles() roles!: ModuleRoles;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ ...rolesSchema, description: 'Losing the last admin role emits UserDowngraded' })
  @IsOptional()
  @IsModuleRoles()
  roles?: ModuleRoles;
  @ApiPropertyOptional({ enum: ['active', 'deactivated'] }) @IsOptional() @IsIn(['active', 'deactivated']) status?: 'active' | 'deactivated';
  @ApiPropertyOptional({ type: [String], description: 'Group ids; replaces the memberships' })
  @IsOptional()
  @IsArray()
  @IsUUID('all', { each: true })
  groups?: string[];
}

export class CreateGroupDto {
  @ApiProperty({ example: 'analysts' }) @IsString() @Matches(/\S/, { message: 'name must not be blank' }) @MaxLength(200) name!: string;
  @ApiProperty({ type: [String], description: 'User ids' }) @IsArray() @ArrayUnique() @IsUUID('all', { each: true }) members!: string[];
}

export class IssueKeyDto {
  @ApiProperty({ enum: KEY_KINDS }) @IsIn(KEY_KINDS) kind!: KeyKind;
  @ApiProperty({ example: 'Reporting dashboard', description: 'How admins tell the key apart in lists; not blank' })
  @IsString()
  @Matches(/\S/, { message: 'description must not be blank' })
  @MaxLength(500)
  description!: string;
  @ApiPropertyOptional({ enum: KEY_SCOPES, isArray: true, description: 'Default: all scopes (personal, organization), query (data)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: '$property must not be empty' })
  @ArrayUnique()
  @IsIn(KEY_SCOPES, { each: true })
  scopes?: KeyScope[];
  @ApiPropertyOptional({ type: [String], maxItems: MAX_DATA_KEY_ENTITIES, description: 'Data keys only: the entities it may read' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: '$property must not be empty' })
  @ArrayMaxSize(MAX_DATA_KEY_ENTITIES, { message: `a data key lists at most ${MAX_DATA_KEY_ENTITIES} entities` })
  @ArrayUnique()
  @Matches(/^[a-z][a-z0-9_]*$/, { each: true })
  @MaxLength(MAX_ENTITY_NAME_LENGTH, { each: true, message: `an entity name has at most ${MAX_ENTITY_NAME_LENGTH} characters` })
  entities?: string[];
  @ApiPropertyOptional({ example: '2027-01-01T00:00:00.000Z' }) @IsOptional() @IsInstant() expiresAt?: string;
  @ApiPropertyOptional({ description: 'Owner user id (personal keys default to the caller)' }) @IsOptional() @IsUUID() ownerId?: string;
}

export class RevokeKeysDto {
  @ApiProperty({ type: [String] }) @IsArray() @ArrayMinSize(1, { message: '$property must not be empty' }) @IsUUID('all', { each: true }) ids!: string[];
}

export class TokenDto {
  @ApiProperty({ description: 'Console session token: send as Authorization: Bearer' }) token!: string;
  @ApiProperty() expiresAt!: string;
}

/** Who a credential acts as: what a console or a client needs to know which calls it may make. */
export class CallerDto {
  @ApiProperty() instanceId!: string;
  @ApiProperty({ enum: ['personal', 'organization', 'data', 'session'], description: 'A key kind, or a console session' }) kind!: string;
  @ApiPropertyOptional({ description: 'The user it acts as (sessions and personal keys)' }) userId?: string;
  @ApiPropertyOptional({ description: 'Keys only' }) keyId?: string;
  @ApiProperty({ enum: KEY_SCOPES, isArray: true }) scopes!: string[];
  @ApiPropertyOptional({ ...rolesSchema, description: "The user's role per module (sessions and personal keys)" }) roles?: ModuleRoles;
  @ApiPropertyOptional({ type: [String], description: 'Data keys: the entities they may read' }) entities?: string[];
}

export class InstanceDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() dailyCredits!: number;
  @ApiProperty() timezone!: string;
  @ApiProperty({ description: 'Rises with each change of the plan; the credit account follows the latest one whatever order changes reach it in' })
  planVersion!: number;
  @ApiProperty() createdAt!: string;
}

export class UserDto {
  @ApiProperty() id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() name!: string;
  @ApiProperty(rolesSchema) roles!: ModuleRoles;
  @ApiProperty({ enum: ['active', 'deactivated'] }) status!: string;
  @ApiProperty({ type: [String] }) groups!: string[];
  @ApiProperty() createdAt!: string;
}

export class UserListDto {
  @ApiProperty({ type: [UserDto] }) users!: UserDto[];
}

export class GroupDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [String] }) members!: string[];
  @ApiProperty() createdAt!: string;
}

export class GroupListDto {
  @ApiProperty({ type: [GroupDto] }) groups!: GroupDto[];
}

export class KeyDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: KEY_KINDS }) kind!: KeyKind;
  @ApiProperty({ example: 'tg_3kJd9x…p', description: 'Enough to recognise the key, not to use it' }) prefix!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ enum: KEY_SCOPES, isArray: true }) scopes!: KeyScope[];
  @ApiPropertyOptional({ type: [String] }) entities?: string[];
  @ApiPropertyOptional() ownerId?: string;
  @ApiPropertyOptional() expiresAt?: string;
  @ApiProperty({ enum: ['active', 'deactivated', 'revoked'] }) status!: string;
  @ApiPropertyOptional({ enum: ['owner_downgraded', 'owner_deactivated', 'expired'] }) deactivationReason?: string;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional() lastUsedAt?: string;
  @ApiProperty() useCount!: number;
}

export class IssuedKeyDto extends KeyDto {
  @ApiProperty({ description: 'The key itself: shown in this response only' }) key!: string;
}

export class KeyListDto {
  @ApiProperty({ type: [KeyDto], description: 'Most recently used first, never-used last' }) keys!: KeyDto[];
}
