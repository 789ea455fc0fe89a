import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { PageLimit } from '../page-limit';

export const MAX_LISTED_TASKS = 100;
export const TASK_STATUSES = ['pending', 'ok', 'error'] as const;

/** `GET /api/v1/tasks`: validated by the gateway and again by the query service. */
export class ListTasksQueryDto {
  @PageLimit({ items: 'tasks', max: MAX_LISTED_TASKS, fallback: 20 })
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
