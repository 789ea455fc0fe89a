import { IsObject, IsString, Matches } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export class FlowEmittedV1 {
  @IsString() processId!: string;
  @IsString() flowId!: string;
  /** The name the flow's `emit` step gave, e.g. `overdue.found`. */
  @IsString() @Matches(/^[A-Za-z0-9_.-]{1,100}$/) event!: string;
  @IsObject() payload!: Record<string, unknown>;
}

export const FlowEmitted = defineEvent('FlowEmitted', 1, TOPICS.flows, FlowEmittedV1);
