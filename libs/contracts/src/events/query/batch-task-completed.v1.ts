import { IsIn, IsOptional, IsString } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

/**
 * An async batch ended. Keyed (`aggregateId`) by its entity, like the RecordsChanged the task
 * published: in the same partition, after them.
 */
export class BatchTaskCompletedV1 {
  @JSONSchema({
    description:
      'The task. The event is keyed by the entity, as the task’s RecordsChanged (and RecordsChangedPart) events are, and follows them in ' +
      'the same partition: a subscriber that mirrors records has the task’s changes when it hears the task ended.',
  })
  @IsString()
  taskId!: string;
  @IsString() entity!: string;
  @IsIn(['ok', 'error']) status!: 'ok' | 'error';
  @IsOptional() @IsString() error?: string;
}

export const BatchTaskCompleted = defineEvent('BatchTaskCompleted', 1, TOPICS.query, BatchTaskCompletedV1, { outsideStream: true });
