import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Min, ValidateNested } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';
import { RecordKeysV1 } from './record-keys';

/**
 * The keys of a RecordsChanged that did not fit in its message: part `part` of `parts`, published
 * in the same transaction, on the same partition, right after it.
 */
export class RecordsChangedPartV1 {
  @IsString() entity!: string;
  @JSONSchema({ description: 'The `id` of the RecordsChanged event this part completes.' })
  @IsUUID()
  changeId!: string;
  @IsOptional() @IsString() taskId?: string;
  @JSONSchema({ description: 'This part’s number, from 2 (part 1 is the RecordsChanged event itself).' })
  @IsInt()
  @Min(2)
  part!: number;
  @JSONSchema({ description: 'How many parts the keys take, the RecordsChanged event included.' })
  @IsInt()
  @Min(2)
  parts!: number;
  @ValidateNested() @Type(() => RecordKeysV1) keys!: RecordKeysV1;
}

export const RecordsChangedPart = defineEvent('RecordsChangedPart', 1, TOPICS.query, RecordsChangedPartV1, { outsideStream: true });
