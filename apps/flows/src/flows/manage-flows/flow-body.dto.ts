import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import type { Step } from '../flow-definition';

/**
 * Names may hold spaces (they are URL-encoded in trigger paths), not slashes or control characters,
 * and are not `.` or `..`: every HTTP client takes those as path steps, even encoded, so the
 * flow's own trigger URL would lead elsewhere.
 */
const NAME = /^(?!\.{1,2}$)[^/\\\p{Cc}]{1,100}$/u;

export class FlowBodyDto {
  @IsString() @Matches(NAME, { message: 'app must be 1-100 characters without slashes, and not . or ..' }) app!: string;
  @IsString() @Matches(NAME, { message: 'name must be 1-100 characters without slashes, and not . or ..' }) name!: string;
  @IsOptional() @IsString() @MaxLength(2000) description?: string;
  @IsOptional() @IsIn(['sync', 'async']) mode?: 'sync' | 'async';
  @IsOptional() @IsInt() @Min(1) @Max(3_600_000) timeoutMs?: number;
  @IsOptional() @IsBoolean() allowAnonymous?: boolean;
  @IsOptional() @IsArray() @IsString({ each: true }) groups?: string[];
  @IsArray() @ArrayMaxSize(200) @IsObject({ each: true }) steps!: Step[];
}
