import { IsInt, IsOptional, IsString, Min, MinLength } from 'class-validator';
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
}

export const CreditsRefunded = defineEvent('CreditsRefunded', 1, TOPICS.credits, CreditsRefundedV1);
