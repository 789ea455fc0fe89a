import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { MAX_DAILY_CREDITS } from '@tollgate/contracts';

export class ChangePlanDto {
  @IsInt() @Min(0) @Max(MAX_DAILY_CREDITS) dailyCredits!: number;
  @IsString() @MinLength(1) timezone!: string;
  /**
   * The plan's version as keys numbers it. Two changes can reach credits in the other order than
   * keys committed them; the one older than the plan the account follows changes nothing.
   */
  @IsOptional() @IsInt() @Min(1) @Max(2 ** 31 - 1) planVersion?: number;
}
