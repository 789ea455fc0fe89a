import { IsString, MinLength } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export class KeyRevokedV1 {
  @IsString() @MinLength(1) keyId!: string;
}

export const KeyRevoked = defineEvent('KeyRevoked', 1, TOPICS.keys, KeyRevokedV1);
