import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

export const MAX_LISTED_TASKS = 100;
export const TASK_STATUSES = ['pending', 'ok', 'error'] as const;
const LIMIT_RULE = { message: `limit must be a whole number from 1 to ${MAX_LISTED_TASKS}` };

/** `GET /api/v1/tasks`: validated by the gateway and again by the query service. */
export class ListTasksQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_LISTED_TASKS, default: 20, description: 'how many of the most recent tasks' })
  @IsOptional()
  // A query string holds text: digits become a number, anything else (1.5, abc, a repeated parameter) stays to be refused.
  @Transform(({ value }) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value))
  @IsInt(LIMIT_RULE)
  @Min(1, LIMIT_RULE)
  @Max(MAX_LISTED_TASKS, LIMIT_RULE)
  limit?: number;

  @ApiPropertyOptional({ enum: TASK_STATUSES, description: 'only the tasks in this status' })
  @IsOptional()
  @IsIn(TASK_STATUSES, { message: `status must be one of ${TASK_STATUSES.join(', ')} (given once)` })
  status?: (typeof TASK_STATUSES)[number];

  @ApiPropertyOptional({ description: 'only the tasks of this entity', example: 'actions' })
  @IsOptional()
  @IsString({ message: 'entity must be given once' })
  @Matches(/^[a-z][a-z0-9_]{0,62}$/, { message: 'entity must be an entity name' })
  entity?: string;

  @ApiPropertyOptional({ description: "the tasks accepted before this one: a page's `next`", example: 'task_5f0c…' })
  @IsOptional()
  @IsString({ message: 'before must be given once' })
  @Matches(/^task_[\w-]{1,100}$/, { message: 'before must be a task id (task_…)' })
  before?: string;
}
