import { IsInt, IsOptional, IsString, Matches, Min, MinLength } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export class CreditsRefundedV1 {
  @IsString() @MinLength(1) requestId!: string;
  /** The refunded charge's cost. */
  @IsInt() @Min(1) amount!: number;
  /**
   * The part of `amount` the pool did not take back: a pool is never refunded above its daily
   * allowance (lowered since the charge). Absent when the whole amount came back.
   */
  @IsOptional() @IsInt() @Min(1) capped?: number;
  @IsInt() @Min(0) remaining!: number;
  /**
   * The day (in the instance's timezone) whose pool the charge was taken from. A charge of an
   * earlier day is refunded all the same (its request did not succeed, so it is not consumed),
   * but its pool is gone: nothing comes back to today's, and all of `amount` is `capped`.
   * Absent from refunds published before it was added, all of which were of the same day.
   */
  @IsOptional() @Matches(/^\d{4}-\d{2}-\d{2}$/) day?: string;
}

export const CreditsRefunded = defineEvent('CreditsRefunded', 1, TOPICS.credits, CreditsRefundedV1);
