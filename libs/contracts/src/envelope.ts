import { IsInt, IsISO8601, IsObject, IsOptional, IsString, IsUUID, Matches, Min, MinLength } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';

/**
 * The one shape of every message on every Tollgate topic. Kafka message key = aggregateId,
 * so one aggregate's events stay ordered in one partition.
 */
export interface EventEnvelope<D = Record<string, unknown>> {
  id: string;
  type: string;
  version: number;
  instanceId: string;
  aggregateId: string;
  sequence: number;
  occurredAt: string;
  correlationId?: string;
  causationId?: string;
  data: D;
}

// The descriptions are what the AsyncAPI document tells subscribers of each field.
export class EventEnvelopeSchema implements EventEnvelope {
  @JSONSchema({ description: 'Unique per event; a redelivered event keeps it (consumers apply an id once).' })
  @IsUUID()
  id!: string;
  @IsString() @Matches(/^[A-Z][A-Za-z]+$/) type!: string;
  @IsInt() @Min(1) version!: number;
  @JSONSchema({ description: 'The Tollgate instance the event belongs to.' })
  @IsString()
  @MinLength(1)
  instanceId!: string;
  @JSONSchema({ description: 'The aggregate (stream) the event belongs to; also the Kafka message key, so one aggregate’s events stay in order in one partition.' })
  @IsString()
  @MinLength(1)
  aggregateId!: string;
  @JSONSchema({
    description:
      'The event’s position in its aggregate’s stream: 1, 2, 3… without gaps. 0 for events published outside any stream ' +
      '(their messages say so), which are ordered by their partition offset instead.',
  })
  @IsInt()
  @Min(0)
  sequence!: number;
  @JSONSchema({ description: 'When it happened, ISO 8601 in UTC.' })
  @IsISO8601({ strict: true })
  occurredAt!: string;
  @JSONSchema({ description: 'The request that caused it: the X-Request-Id its client saw. Events caused by another event carry that event’s.' })
  @IsOptional()
  @IsString()
  correlationId?: string;
  @JSONSchema({ description: 'The id of the event this one reacts to.' })
  @IsOptional()
  @IsString()
  causationId?: string;
  @IsObject() data!: Record<string, unknown>;
}
