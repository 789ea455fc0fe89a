import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import {
  IsInstant,
  KEY_KINDS,
  KEY_SCOPES,
  MAX_DATA_KEY_ENTITIES,
  MAX_ENTITY_NAME_LENGTH,
  type KeyDeactivationReason,
  type KeyKind,
  type KeyScope,
} from '@tollgate/contracts';

export class IssueKeyDto {
  @IsIn(KEY_KINDS) kind!: KeyKind;
  @IsString() @Matches(/\S/, { message: 'description must not be blank' }) @MaxLength(500) description!: string;
  @IsOptional() @IsArray() @ArrayMinSize(1, { message: '$property must not be empty' }) @ArrayUnique() @IsIn(KEY_SCOPES, { each: true }) scopes?: KeyScope[];
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: '$property must not be empty' })
  @ArrayMaxSize(MAX_DATA_KEY_ENTITIES)
  @ArrayUnique()
  @Matches(/^[a-z][a-z0-9_]*$/, { each: true })
  @MaxLength(MAX_ENTITY_NAME_LENGTH, { each: true })
  entities?: string[];
  @IsOptional() @IsInstant() expiresAt?: string;
  @IsOptional() @IsUUID() ownerId?: string;
}

export class RevokeKeysDto {
  @IsArray() @ArrayMinSize(1, { message: '$property must not be empty' }) @IsUUID('all', { each: true }) ids!: string[];
}

export interface KeyView {
  id: string;
  kind: KeyKind;
  prefix: string;
  description: string;
  scopes: KeyScope[];
  entities?: string[];
  ownerId?: string;
  expiresAt?: string;
  status: 'active' | 'deactivated' | 'revoked';
  deactivationReason?: KeyDeactivationReason;
  createdAt: string;
  lastUsedAt?: string;
  useCount: number;
}

export interface IssuedKeyView extends KeyView {
  /** The key itself: in this response only. */
  key: string;
}
