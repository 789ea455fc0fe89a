import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';
import { MAX_DAILY_CREDITS } from '@tollgate/contracts';

export class ChangePlanDto {
  @IsInt() @Min(0) @Max(MAX_DAILY_CREDITS) dailyCredits!: number;
  @IsString() @MinLength(1) timezone!: string;
}
