import { IsInt, IsISO8601, IsObject, IsOptional, IsString, IsUUID, Matches, Min, MinLength } from 'class-validator';

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

export class EventEnvelopeSchema implements EventEnvelope {
  @IsUUID() id!: string;
  @IsString() @Matches(/^[A-Z][A-Za-z]+$/) type!: string;
  @IsInt() @Min(1) version!: number;
  @IsString() @MinLength(1) instanceId!: string;
  @IsString() @MinLength(1) aggregateId!: string;
  @IsInt() @Min(0) sequence!: number;
  @IsISO8601({ strict: true }) occurredAt!: string;
  @IsOptional() @IsString() correlationId?: string;
  @IsOptional() @IsString() causationId?: string;
  @IsObject() data!: Record<string, unknown>;
}
