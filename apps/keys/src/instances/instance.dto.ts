import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsTimeZone, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { MAX_DAILY_CREDITS } from '@tollgate/contracts';

/**
 * Zone names are matched in any case (`europe/paris`), but answers and PlanChanged events carry the
 * IANA spelling, which subscribers' time libraries may insist on; a spelling is not a new plan.
 */
export function ianaSpelling(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const wanted = value.toLowerCase();
  const listed = Intl.supportedValuesOf('timeZone').find((zone) => zone.toLowerCase() === wanted);
  if (listed) return listed;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
    return resolved.toLowerCase() === wanted ? resolved : value;
  } catch {
    return value;
  }
}

const IanaSpelling = () => Transform(({ value }) => ianaSpelling(value));

export class CreateInstanceDto {
  @Matches(/^[a-z][a-z0-9-]{1,62}$/, { message: 'id must be 2-63 lowercase letters, digits or dashes, starting with a letter' })
  id!: string;
  @IsString() @MinLength(1) @MaxLength(200) name!: string;
  @IsInt() @Min(0) @Max(MAX_DAILY_CREDITS) dailyCredits!: number;
  @IanaSpelling() @IsTimeZone() timezone!: string;
}

export class ChangePlanDto {
  @IsOptional() @IsInt() @Min(0) @Max(MAX_DAILY_CREDITS) dailyCredits?: number;
  @IsOptional() @IanaSpelling() @IsTimeZone() timezone?: string;
}

export interface InstanceView {
  id: string;
  name: string;
  dailyCredits: number;
  timezone: string;
  /** Rises with each plan change (the instance stream's version): credits ignores an older plan that arrives late. */
  planVersion: number;
  createdAt: string;
}
