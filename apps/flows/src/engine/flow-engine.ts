import { ErrorCode } from '@tollgate/contracts';
import type { Step, StepType } from '../flows/flow-definition';
import type { RunResult } from '../flow-runs/run-message';
import { ExpressionFailure } from './expressions';
import { conditionOver, StepFailure, stepLabel, type RunContext } from './run-context';
import type { StepExecutor } from './step-executor';

/** `expr, record 3: <JSONata's message> (at position 5)`: the field is the step's field holding the expression. */
function whereItFailed(step: Step, error: ExpressionFailure): string {
  const field = Object.keys(step).find((name) => step[name] === error.expression);
  const where = [field, error.record !== undefined ? `record ${error.record + 1}` : undefined].filter(Boolean).join(', ');
  return `${where ? `${where}: ` : ''}${error.message}${error.position !== undefined ? ` (at position ${error.position})` : ''}`;
}

/** An output that ran but produced no record: the caller gets 400 (API.md). */
export class EmptyOutput extends StepFailure {
  constructor(readonly output: string) {
    super(400, 'validation_failed', `Output "${output}" produced no record`, undefined, [{ field: `data.${output}`, message: 'produced no record' }]);
  }
}

/**
 * Runs a flow's steps in order. Stops at the first failure or when the run's signal aborts; an
 * error names the step. Results are kept by step id for later expressions (`$steps.<id>`). The
 * step after which the run keeps more than its memory allows fails (see RunMemory).
 */
export class FlowEngine {
  constructor(private readonly executors: Record<StepType, StepExecutor>) {}

  async run(ctx: RunContext): Promise<RunResult> {
    const connected = new Set<string>();
    const steps = ctx.flow.steps;
    for (let index = 0; index < steps.length; index++) {
      const step = steps[index];
      ctx.signal.throwIfAborted();
      let result: unknown;
      try {
        if (step.when && !(await conditionOver(ctx, step.when))) continue;
        result = await this.executors[step.type].run(step, ctx, index);
        // An output's records are kept in its output, a result with an id under it (the same values
        // when an output has an id: counted once); the step's messages were counted as it logged them.
        if (step.id || step.type === 'output') ctx.memory.keep(result);
        ctx.memory.check();
      } catch (error) {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        if (error instanceof StepFailure) {
          ctx.log('error', `${stepLabel(step, index)}: ${error.message}`, step.id);
          throw error;
        }
        const failure = new StepFailure(
          500,
          ErrorCode.FlowFailed,
          `${stepLabel(step, index)} failed: ${error instanceof ExpressionFailure ? whereItFailed(step, error) : ((error as Error).message ?? String(error))}`,
        );
        ctx.log('error', failure.message, step.id);
        throw failure;
      }
      if (step.type === 'output') connected.add(step.name as string);
      if (step.id) ctx.steps[step.id] = result;
      ctx.last = result;
    }
    for (const name of connected) if (!ctx.outputs[name]?.length) throw new EmptyOutput(name);
    return { data: ctx.outputs, ...(ctx.response ? { response: ctx.response } : {}) };
  }
}
