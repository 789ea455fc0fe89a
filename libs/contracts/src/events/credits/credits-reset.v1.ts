import { IsInt, IsString, Matches, Min } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export class CreditsResetV1 {
  /** The local day (instance timezone) the pool was reset for. */
  @IsString() @Matches(/^\d{4}-\d{2}-\d{2}$/) day!: string;
  @IsInt() @Min(0) allowance!: number;
  @IsInt() @Min(0) remaining!: number;
}

export const CreditsReset = defineEvent('CreditsReset', 1, TOPICS.credits, CreditsResetV1);
