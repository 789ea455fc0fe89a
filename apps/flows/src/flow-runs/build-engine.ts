import type { StepType } from '../flows/flow-definition';
import type { InternalClients } from '../downstream/internal-clients';
import { FlowEngine } from '../engine/flow-engine';
import type { OutboundHttp } from '../engine/outbound/outbound-http';
import type { StepExecutor } from '../engine/step-executor';
import { basicSteps } from '../engine/steps/basic-steps';
import { EmitStep, type FlowEmitter } from '../engine/steps/emit-step';
import { HttpStep } from '../engine/steps/http-step';
import { IcsStep } from '../engine/steps/ics-step';
import { QueryStep } from '../engine/steps/query-step';

/** The engine with its real steps: query service and credits, outbound HTTP, the run's event stream. */
export function buildEngine(clients: InternalClients, http: OutboundHttp, emitter: FlowEmitter): FlowEngine {
  const executors = {
    ...basicSteps,
    query: new QueryStep(clients.query, clients.credits),
    http: new HttpStep(http),
    emit: new EmitStep(emitter),
    ics: new IcsStep(),
  } as Record<StepType, StepExecutor>;
  return new FlowEngine(executors);
}
