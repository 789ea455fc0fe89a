import { IsInt, IsString, Min, MinLength } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export class CreditsRefundedV1 {
  @IsString() @MinLength(1) requestId!: string;
  @IsInt() @Min(1) amount!: number;
  @IsInt() @Min(0) remaining!: number;
}

export const CreditsRefunded = defineEvent('CreditsRefunded', 1, TOPICS.credits, CreditsRefundedV1);
