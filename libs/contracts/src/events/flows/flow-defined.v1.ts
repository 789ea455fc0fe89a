import { IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Min } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

/**
 * A flow created or redefined. The optional fields were added later (non-breaking): they carry the
 * definition itself so the flows read model can be rebuilt from the event store. Never a token.
 */
export class FlowDefinedV1 {
  @IsString() flowId!: string;
  @IsString() app!: string;
  @IsString() name!: string;
  @IsIn(['sync', 'async']) mode!: 'sync' | 'async';
  @IsOptional() @IsString() description?: string;
  @IsOptional() @IsInt() @Min(1) timeoutMs?: number;
  @IsOptional() @IsBoolean() allowAnonymous?: boolean;
  @IsOptional() @IsArray() @IsString({ each: true }) groups?: string[];
  @IsOptional() @IsArray() @IsObject({ each: true }) steps?: Record<string, unknown>[];
}

export const FlowDefined = defineEvent('FlowDefined', 1, TOPICS.flows, FlowDefinedV1);
