import type { Step } from '../../flows/flow-definition';
import { evaluateOver, type RunContext } from '../run-context';
import type { StepExecutor } from '../step-executor';

export interface FlowEmitter {
  /** `step`: the emit step's position among the flow's steps. */
  emit(ctx: RunContext, event: string, payload: Record<string, unknown>, step: number): Promise<void>;
}

/** Publishes FlowEmitted (through the run's event stream and the outbox) for downstream subscribers. */
export class EmitStep implements StepExecutor {
  constructor(private readonly emitter: FlowEmitter) {}

  async run(step: Step, ctx: RunContext, index: number): Promise<unknown> {
    const value = await evaluateOver(ctx, step.data as string);
    const payload = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : { value: value ?? null };
    ctx.signal.throwIfAborted();
    await this.emitter.emit(ctx, step.event as string, payload, index);
    return payload;
  }
}
