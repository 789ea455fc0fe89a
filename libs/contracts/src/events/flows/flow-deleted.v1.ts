import { IsString } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export class FlowDeletedV1 {
  @IsString() flowId!: string;
  @IsString() app!: string;
  @IsString() name!: string;
}

export const FlowDeleted = defineEvent('FlowDeleted', 1, TOPICS.flows, FlowDeletedV1);
