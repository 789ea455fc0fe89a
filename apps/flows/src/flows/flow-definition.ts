export type FlowMode = 'sync' | 'async';

export type Step = { type: StepType; id?: string; when?: string } & Record<string, unknown>;

export const STEP_TYPES = ['query', 'map', 'filter', 'http', 'emit', 'ics', 'debug', 'error', 'delay', 'output', 'response'] as const;
export type StepType = (typeof STEP_TYPES)[number];

/** What a flow is, as stored in the read model and carried by FlowDefined. */
export interface FlowDefinition {
  flowId: string;
  instanceId: string;
  app: string;
  name: string;
  description: string;
  mode: FlowMode;
  timeoutMs?: number;
  allowAnonymous: boolean;
  groups: string[];
  steps: Step[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** The fields a client sends to create or replace a flow. */
export type FlowSpec = Pick<FlowDefinition, 'app' | 'name' | 'description' | 'mode' | 'timeoutMs' | 'allowAnonymous' | 'groups' | 'steps'>;
