import { IsBoolean, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

export class RefundDto {
  @IsString() @MinLength(1) @MaxLength(200) requestId!: string;
  /** The request id the client saw, when `requestId` (the charge's id) differs from it. */
  @IsOptional() @IsString() @MinLength(1) @MaxLength(200) correlationId?: string;
  /**
   * Also close the request id for good (`ChargeVoided`): a debit arriving later with it charges
   * nothing. For callers that never reuse a request id once they gave up on it (the gateway).
   */
  @IsOptional() @IsBoolean() final?: boolean;
}
