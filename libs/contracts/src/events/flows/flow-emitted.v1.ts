import { IsInt, IsObject, IsOptional, IsString, Matches, Min } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export class FlowEmittedV1 {
  @IsString() processId!: string;
  @IsString() flowId!: string;
  /** The name the flow's `emit` step gave, e.g. `overdue.found`. */
  @IsString() @Matches(/^[A-Za-z0-9_.-]{1,100}$/) event!: string;
  @IsObject() payload!: Record<string, unknown>;
  /** Added later (non-breaking). */
  @JSONSchema({ description: "The emit step's position among the flow's steps, from 0: each publishes once per run, however often the run is resumed." })
  @IsOptional()
  @IsInt()
  @Min(0)
  step?: number;
}

export const FlowEmitted = defineEvent('FlowEmitted', 1, TOPICS.flows, FlowEmittedV1);
