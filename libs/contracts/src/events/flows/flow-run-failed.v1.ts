import { IsIn, IsInt, IsString, Min } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export class FlowRunFailedV1 {
  @IsString() processId!: string;
  @IsString() flowId!: string;
  @IsIn(['failed', 'aborted']) status!: 'failed' | 'aborted';
  @IsString() reason!: string;
  @IsInt() @Min(0) durationMs!: number;
}

export const FlowRunFailed = defineEvent('FlowRunFailed', 1, TOPICS.flows, FlowRunFailedV1);
