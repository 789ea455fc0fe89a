import { IsInt, IsOptional, IsString, IsTimeZone, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { MAX_DAILY_CREDITS } from '@tollgate/contracts';

export class CreateInstanceDto {
  @Matches(/^[a-z][a-z0-9-]{1,62}$/, { message: 'id must be 2-63 lowercase letters, digits or dashes, starting with a letter' })
  id!: string;
  @IsString() @MinLength(1) @MaxLength(200) name!: string;
  @IsInt() @Min(0) @Max(MAX_DAILY_CREDITS) dailyCredits!: number;
  @IsTimeZone() timezone!: string;
}

export class ChangePlanDto {
  @IsOptional() @IsInt() @Min(0) @Max(MAX_DAILY_CREDITS) dailyCredits?: number;
  @IsOptional() @IsTimeZone() timezone?: string;
}

export interface InstanceView {
  id: string;
  name: string;
  dailyCredits: number;
  timezone: string;
  createdAt: string;
}
