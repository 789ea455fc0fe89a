import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';

export class ChangePlanDto {
  @IsInt() @Min(0) @Max(1_000_000_000) dailyCredits!: number;
  @IsString() @MinLength(1) timezone!: string;
}
