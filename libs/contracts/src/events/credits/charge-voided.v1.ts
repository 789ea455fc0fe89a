import { IsString, MinLength } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

/**
 * A request id closed for good: whatever was charged under it has been refunded (a
 * `CreditsRefunded` comes first when something was), and a debit that arrives later with it
 * charges nothing. The gateway voids a request it gave up on: its debit call went unanswered, and
 * the call may still be queued in the credits service. Moves no credits.
 */
export class ChargeVoidedV1 {
  @IsString() @MinLength(1) requestId!: string;
}

export const ChargeVoided = defineEvent('ChargeVoided', 1, TOPICS.credits, ChargeVoidedV1);
