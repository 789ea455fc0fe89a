import { evaluate, EvaluationBudget, ExpressionFailure, truthOf } from '../expressions';

/**
 * One expression to evaluate: over `root` once, or, with `each`, once per record (`$` is the
 * record and `$index` its position), which is one call however many records there are.
 */
export interface EvaluationRequest {
  expression: string;
  root: unknown;
  bindings: Record<string, unknown>;
  each?: unknown[];
  /** Answer the value's truth as JSONata's `$boolean` sees it (an empty array or object is false), not the value. */
  truth?: boolean;
}

/** Evaluates a run's expressions; the signal is the run's (its timeout, its caller leaving, a stop). */
export interface Evaluator {
  evaluate(request: EvaluationRequest, signal: AbortSignal): Promise<unknown>;
}

/** Why an evaluation did not give a value, in a form that crosses a process boundary. */
export type EvaluationFailure =
  | { kind: 'expression'; message: string; position?: number; record?: number }
  | { kind: 'error'; message: string }
  | { kind: 'cancelled' };

/** What the service sends an evaluator process; a `ping` is answered with a `pong` unless the process is stuck. */
export type ToEvaluator = { type: 'evaluate'; id: number; request: EvaluationRequest } | { type: 'cancel'; id: number } | { type: 'ping' };
export type FromEvaluator = { type: 'ready' } | { type: 'pong' } | { type: 'done'; id: number; value: unknown } | { type: 'failed'; id: number; failure: EvaluationFailure };

export function failureOf(error: unknown, signal: AbortSignal): EvaluationFailure {
  if (signal.aborted) return { kind: 'cancelled' };
  if (error instanceof ExpressionFailure) {
    return { kind: 'expression', message: error.message, ...(error.position !== undefined ? { position: error.position } : {}), ...(error.record !== undefined ? { record: error.record } : {}) };
  }
  return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
}

/** The error a step sees for a failure: an ExpressionFailure names the step's field holding the expression. */
export function errorOf(failure: Exclude<EvaluationFailure, { kind: 'cancelled' }>, expression: string): Error {
  return failure.kind === 'expression' ? new ExpressionFailure(failure.message, expression, failure.position, failure.record) : new Error(failure.message);
}

/**
 * Evaluates in this process, bounded by the signal: the evaluation gives the event loop a turn now
 * and then, so that a timer can abort it and other evaluations make progress meanwhile. The
 * expression sandbox's processes evaluate with this; so do the engine's unit tests.
 */
export class InProcessEvaluator implements Evaluator {
  /** `maxValueBytes`: the most an evaluation's values may come to as JSON (all its records' together). */
  constructor(private readonly maxValueBytes = Infinity) {}

  async evaluate(request: EvaluationRequest, signal: AbortSignal): Promise<unknown> {
    const budget = new EvaluationBudget(signal, this.maxValueBytes);
    const { expression, root, bindings, each, truth } = request;
    const answer = (value: unknown) => (truth ? truthOf(value) : value);
    if (!each) return answer(await evaluate(expression, root, bindings, budget));
    const values: unknown[] = [];
    for (let index = 0; index < each.length; index++) {
      values.push(await answer(await evaluate(expression, each[index], { ...bindings, index }, budget, index)));
    }
    return values;
  }
}
