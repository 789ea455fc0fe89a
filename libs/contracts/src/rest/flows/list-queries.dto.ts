import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

export const MAX_LISTED_RUNS = 500;
export const RUN_STATUSES = ['running', 'success', 'failed', 'aborted'] as const;
const LIMIT_RULE = { message: `limit must be a whole number from 1 to ${MAX_LISTED_RUNS}` };

/** `GET /api/v1/flows/:id/runs`: validated by the gateway and again by the flows service. */
export class ListRunsQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_LISTED_RUNS, default: 50, description: 'how many of the most recent runs' })
  @IsOptional()
  // A query string holds text: digits become a number, anything else (1.5, abc, a repeated parameter) stays to be refused.
  @Transform(({ value }) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value))
  @IsInt(LIMIT_RULE)
  @Min(1, LIMIT_RULE)
  @Max(MAX_LISTED_RUNS, LIMIT_RULE)
  limit?: number;

  @ApiPropertyOptional({ enum: RUN_STATUSES, description: 'only the runs in this status' })
  @IsOptional()
  @IsIn(RUN_STATUSES, { message: `status must be one of ${RUN_STATUSES.join(', ')} (given once)` })
  status?: (typeof RUN_STATUSES)[number];

  @ApiPropertyOptional({ description: "the runs started before this one: a page's `next`", example: 'run_5f0c…' })
  @IsOptional()
  @IsString({ message: 'before must be given once' })
  @Matches(/^run_[\w-]{1,100}$/, { message: 'before must be a process id (run_…)' })
  before?: string;
}

/** `GET /api/v1/flows`. */
export class ListFlowsQueryDto {
  @ApiPropertyOptional({ description: 'only the flows of this app' })
  @IsOptional()
  @IsString({ message: 'app must be given once' })
  app?: string;
}
