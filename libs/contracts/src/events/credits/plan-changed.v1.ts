import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export class PlanChangedV1 {
  @IsInt() @Min(0) dailyCredits!: number;
  @IsString() @MinLength(1) timezone!: string;
  @IsOptional() @IsInt() @Min(0) previousDailyCredits?: number;
  @IsInt() @Min(0) remaining!: number;
  /** The plan's version in keys (its instance stream's sequence): a change that arrives after a newer one is ignored. */
  @IsOptional() @IsInt() @Min(1) @Max(2 ** 31 - 1) planVersion?: number;
}

export const PlanChanged = defineEvent('PlanChanged', 1, TOPICS.credits, PlanChangedV1);
