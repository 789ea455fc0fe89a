import { IsArray, IsInt, IsOptional, IsString, Min, MinLength } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export class CreditsConsumedV1 {
  @IsString() @MinLength(1) requestId!: string;
  @IsOptional() @IsString() keyId?: string;
  @IsOptional() @IsString() userId?: string;
  @IsArray() @IsString({ each: true }) entities!: string[];
  @IsInt() @Min(1) cost!: number;
  @IsInt() @Min(0) remaining!: number;
}

export const CreditsConsumed = defineEvent('CreditsConsumed', 1, TOPICS.credits, CreditsConsumedV1);
