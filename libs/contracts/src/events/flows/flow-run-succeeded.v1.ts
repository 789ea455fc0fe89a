import { IsInt, IsString, Min } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export class FlowRunSucceededV1 {
  @IsString() processId!: string;
  @IsString() flowId!: string;
  @IsInt() @Min(0) durationMs!: number;
}

export const FlowRunSucceeded = defineEvent('FlowRunSucceeded', 1, TOPICS.flows, FlowRunSucceededV1);
