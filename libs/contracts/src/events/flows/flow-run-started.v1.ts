import { IsString } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export class FlowRunStartedV1 {
  @IsString() processId!: string;
  @IsString() flowId!: string;
  /** `anonymous` or the calling key's user id. */
  @IsString() startedBy!: string;
}

export const FlowRunStarted = defineEvent('FlowRunStarted', 1, TOPICS.flows, FlowRunStartedV1);
