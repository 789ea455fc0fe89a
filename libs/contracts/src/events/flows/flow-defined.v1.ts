import { IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Min } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

/**
 * A flow created or redefined. The optional fields were added later (non-breaking): they carry the
 * definition itself so the flows read model can be rebuilt from the event store. Never a token;
 * published without what its `http` steps call and send (see `withoutOutboundSecrets`).
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

/** What an `http` step's definition may hold that is nobody else's business: credentials go in headers, bodies and URLs. */
const OUTBOUND_SECRETS = ['url', 'headers', 'body'] as const;
export const REDACTED = '[redacted]';

/**
 * Subscribers learn which flows exist and what their steps do, not where `http` steps call nor
 * with what credentials: those parts are published as "[redacted]".
 */
function withoutOutboundSecrets(data: FlowDefinedV1): FlowDefinedV1 {
  if (!data.steps) return data;
  return {
    ...data,
    steps: data.steps.map((step) =>
      step.type !== 'http' ? step : { ...step, ...Object.fromEntries(OUTBOUND_SECRETS.filter((f) => step[f] !== undefined).map((f) => [f, REDACTED])) },
    ),
  };
}

export const FlowDefined = defineEvent('FlowDefined', 1, TOPICS.flows, FlowDefinedV1, { published: withoutOutboundSecrets });
