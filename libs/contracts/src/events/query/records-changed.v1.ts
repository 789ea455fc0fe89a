import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Min, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';
import { RecordKeysV1 } from './record-keys';

/**
 * One per batch call that changed anything (none for a call that changed nothing): its counts,
 * and the primary keys it changed. Keys that do not fit in one message follow in
 * RecordsChangedPart events (parts 2 to `parts`).
 */
export class RecordsChangedV1 {
  @IsString() entity!: string;
  @JSONSchema({ description: 'Rows the call inserted, operation by operation (a key inserted, deleted and inserted again counts twice).' })
  @IsInt()
  @Min(0)
  inserted!: number;
  @IsInt() @Min(0) updated!: number;
  @IsInt() @Min(0) deleted!: number;
  @IsOptional() @IsString() taskId?: string;
  // Optional so that events published before keys were added stay valid.
  @JSONSchema({ description: 'The primary keys the call changed, or the first part of them when `parts` is more than 1.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => RecordKeysV1)
  keys?: RecordKeysV1;
  @JSONSchema({
    description:
      'How many messages the keys take: this one is part 1, and parts 2 to `parts` follow as RecordsChangedPart events whose ' +
      '`changeId` is this event’s `id`, right after it in the same partition.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  parts?: number;
}

export const RecordsChanged = defineEvent('RecordsChanged', 1, TOPICS.query, RecordsChangedV1, { outsideStream: true });
