import { IsIn, IsString, MinLength } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export const KEY_DEACTIVATION_REASONS = ['owner_downgraded', 'owner_deactivated', 'expired'] as const;
export type KeyDeactivationReason = (typeof KEY_DEACTIVATION_REASONS)[number];

export class KeyDeactivatedV1 {
  @IsString() @MinLength(1) keyId!: string;
  @IsIn(KEY_DEACTIVATION_REASONS) reason!: KeyDeactivationReason;
}

export const KeyDeactivated = defineEvent('KeyDeactivated', 1, TOPICS.keys, KeyDeactivatedV1);
