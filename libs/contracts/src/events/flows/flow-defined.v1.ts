import { IsIn, IsString } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export class FlowDefinedV1 {
  @IsString() flowId!: string;
  @IsString() app!: string;
  @IsString() name!: string;
  @IsIn(['sync', 'async']) mode!: 'sync' | 'async';
}

export const FlowDefined = defineEvent('FlowDefined', 1, TOPICS.flows, FlowDefinedV1);
