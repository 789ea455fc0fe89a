import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { PageLimit } from '../page-limit';

export const MAX_LISTED_RUNS = 500;
export const RUN_STATUSES = ['running', 'success', 'failed', 'aborted'] as const;

/** `GET /api/v1/flows/:id/runs`: validated by the gateway and again by the flows service. */
export class ListRunsQueryDto {
  @PageLimit({ items: 'runs', max: MAX_LISTED_RUNS, fallback: 50 })
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
