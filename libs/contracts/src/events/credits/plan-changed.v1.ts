import { IsInt, IsOptional, IsString, Min, MinLength } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export class PlanChangedV1 {
  @IsInt() @Min(0) dailyCredits!: number;
  @IsString() @MinLength(1) timezone!: string;
  @IsOptional() @IsInt() @Min(0) previousDailyCredits?: number;
  @IsInt() @Min(0) remaining!: number;
}

export const PlanChanged = defineEvent('PlanChanged', 1, TOPICS.credits, PlanChangedV1);
