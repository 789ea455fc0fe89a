import type { FieldError } from '@tollgate/contracts';
import type { FlowDefinition, Step } from '../flows/flow-definition';
import type { FlowInput, RunMessage, RunResult } from '../flow-runs/run-message';
import { evaluate, type EvaluationBudget } from './expressions';

/** Everything one run's steps share: its input, earlier results, outputs, console and abort signal. */
export interface RunContext {
  processId: string;
  instanceId: string;
  flow: FlowDefinition;
  input: FlowInput;
  signal: AbortSignal;
  /** Bounds every expression of the run by its signal (see EvaluationBudget). */
  budget: EvaluationBudget;
  steps: Record<string, unknown>;
  last: unknown;
  outputs: Record<string, unknown[]>;
  /** The credits its steps were charged, in order: refunded when the run does not succeed. */
  charges: Charge[];
  /** How many emit steps this execution of the run has reached (see the run decider's `emit`). */
  emitted?: number;
  /** The pool as a debit refused for want of credits found it: what the caller is told remains. */
  refusedAtRemaining?: number;
  /** The key and user that triggered the run, named on its charges (usage by key or user). */
  payer?: { keyId?: string; userId?: string };
  response?: NonNullable<RunResult['response']>;
  messages: RunMessage[];
  log(level: RunMessage['level'], text: string, step?: string, detail?: unknown): void;
}

/** One debit of the run's instance pool, by a request id the run always gives that step. */
export interface Charge {
  requestId: string;
  cost: number;
  /** The pool after this debit. */
  remaining: number;
}

/** A step failed in a way the caller should see as such, e.g. an `error` step or exhausted credits. */
export class StepFailure extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    message: string,
    /** For an empty credit pool: when to try again. */
    readonly retryAfterSeconds?: number,
    /** For a `validation_failed` answer: what is wrong, as every validation error names it. */
    readonly errors?: FieldError[],
  ) {
    super(message);
    this.name = 'StepFailure';
  }
}

export const stepLabel = (step: Step, index: number) => `step ${index + 1}${step.id ? ` "${step.id}"` : ''} (${step.type})`;

export function bindings(ctx: RunContext, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { input: ctx.input, steps: ctx.steps, last: ctx.last, processId: ctx.processId, ...extra };
}

/** What an expression sees as `$`: the input and the earlier steps' results. */
export const rootOf = (ctx: RunContext) => ({ input: ctx.input, steps: ctx.steps, last: ctx.last });

export const asList = (value: unknown): unknown[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);

/** Evaluates a step's expression over the run (`$` is rootOf), within the run's budget. */
export const evaluateOver = (ctx: RunContext, expression: string): Promise<unknown> => evaluate(expression, rootOf(ctx), bindings(ctx), ctx.budget);

/** Evaluates a per-record expression (`$` is the record, `$index` its position), within the run's budget. */
export const evaluateOn = (ctx: RunContext, expression: string, record: unknown, index: number): Promise<unknown> =>
  evaluate(expression, record, bindings(ctx, { index }), ctx.budget, index);
