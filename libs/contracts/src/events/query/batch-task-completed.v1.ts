import { IsIn, IsOptional, IsString } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export class BatchTaskCompletedV1 {
  @IsString() taskId!: string;
  @IsString() entity!: string;
  @IsIn(['ok', 'error']) status!: 'ok' | 'error';
  @IsOptional() @IsString() error?: string;
}

export const BatchTaskCompleted = defineEvent('BatchTaskCompleted', 1, TOPICS.query, BatchTaskCompletedV1, { outsideStream: true });
