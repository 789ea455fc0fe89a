import { IsString } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export class FlowRunStartedV1 {
  @IsString() processId!: string;
  @IsString() flowId!: string;
  /** `anonymous`; `webhook` (called with the flow's token); the user id of a personal key or session; an organization key's id. */
  @IsString() startedBy!: string;
}

export const FlowRunStarted = defineEvent('FlowRunStarted', 1, TOPICS.flows, FlowRunStartedV1);
