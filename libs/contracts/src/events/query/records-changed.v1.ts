import { IsInt, IsOptional, IsString, Min } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

/**
 * Counts, not rows: subscribers fetch what they need through the query API. One per batch call
 * that changed anything (none for a call that changed nothing).
 */
export class RecordsChangedV1 {
  @IsString() entity!: string;
  @IsInt() @Min(0) inserted!: number;
  @IsInt() @Min(0) updated!: number;
  @IsInt() @Min(0) deleted!: number;
  @IsOptional() @IsString() taskId?: string;
}

export const RecordsChanged = defineEvent('RecordsChanged', 1, TOPICS.query, RecordsChangedV1, { outsideStream: true });
