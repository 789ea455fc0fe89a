import { IsArray, IsIn, IsISO8601, IsOptional, IsString, MinLength } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export const KEY_KINDS = ['personal', 'organization', 'data'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];
export const KEY_SCOPES = ['query', 'ingest', 'flows', 'admin'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];
/**
 * The most entities one data key may list. The list travels in the signed principal of every
 * request the key makes (an HTTP header): bounded, with names of at most 63 characters, it stays
 * well below the 16 KB that Node.js allows a request's headers.
 */
export const MAX_DATA_KEY_ENTITIES = 100;

/** Never carries the key or its hash: only what identifies and describes it. */
export class KeyIssuedV1 {
  @IsString() @MinLength(1) keyId!: string;
  @IsIn(KEY_KINDS) kind!: KeyKind;
  @IsString() prefix!: string;
  @IsArray() @IsIn(KEY_SCOPES, { each: true }) scopes!: KeyScope[];
  @IsOptional() @IsArray() @IsString({ each: true }) entities?: string[];
  @IsOptional() @IsString() ownerId?: string;
  @IsOptional() @IsISO8601() expiresAt?: string;
  @IsString() description!: string;
}

export const KeyIssued = defineEvent('KeyIssued', 1, TOPICS.keys, KeyIssuedV1);
