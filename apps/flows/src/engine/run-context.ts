import type { FieldError } from '@tollgate/contracts';
import type { FlowDefinition, Step } from '../flows/flow-definition';
import type { FlowInput, RunMessage, RunResult } from '../flow-runs/run-message';
import type { RunMemory } from './run-memory';
import type { Evaluator } from './sandbox/evaluation';

/** Everything one run's steps share: its input, earlier results, outputs, console and abort signal. */
export interface RunContext {
  processId: string;
  instanceId: string;
  flow: FlowDefinition;
  input: FlowInput;
  signal: AbortSignal;
  /** Evaluates the run's expressions, each bounded by the run's signal (see ExpressionSandbox). */
  evaluator: Evaluator;
  steps: Record<string, unknown>;
  last: unknown;
  outputs: Record<string, unknown[]>;
  /** The credits its steps were charged, in order: refunded when the run does not succeed. */
  charges: Charge[];
  /**
   * Request ids that may have charged the run though no charge above says so: a debit sent and not
   * answered (its call can fail after credits committed it) and, in a resumed run, every query
   * step's until it is debited again (an earlier attempt's charges are not known). Given back
   * (final) however the run ends.
   */
  unconfirmed: Set<string>;
  /** How many emit steps this execution of the run has reached (see the run decider's `emit`). */
  emitted?: number;
  /** The pool as a debit refused for want of credits found it: what the caller is told remains. */
  refusedAtRemaining?: number;
  /** The key and user that triggered the run, named on its charges (usage by key or user). */
  payer?: { keyId?: string; userId?: string };
  response?: NonNullable<RunResult['response']>;
  messages: RunMessage[];
  /** What the run keeps (step results, outputs, messages), counted as it is added, and its bound. */
  memory: RunMemory;
  /** Adds a console message, counted in `memory`. */
  log(level: RunMessage['level'], text: string, step?: string, detail?: unknown): void;
}

/** One debit of the run's instance pool, by a request id the run always gives that step. */
export interface Charge {
  requestId: string;
  cost: number;
  /** The pool after this debit. */
  remaining: number;
}

/**
 * The most characters a run's failure message keeps. It is answered, stored with the run and
 * published in `FlowRunFailed`; an `$error()` given a whole input must not fill all three.
 */
export const MAX_FAILURE_MESSAGE_CHARS = 4000;

function bounded(message: string): string {
  if (message.length <= MAX_FAILURE_MESSAGE_CHARS) return message;
  // Not between the two halves of a character outside the BMP.
  const end = /[\uD800-\uDBFF]/.test(message[MAX_FAILURE_MESSAGE_CHARS - 1]) ? MAX_FAILURE_MESSAGE_CHARS - 1 : MAX_FAILURE_MESSAGE_CHARS;
  return `${message.slice(0, end)}… (${message.length - end} more characters)`;
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
    super(bounded(message));
    this.name = 'StepFailure';
  }
}

/**
 * A map from names a flow gives (step ids, output names) to values: no prototype, so that
 * `constructor` or `__proto__` is a name like any other, not a property every object has.
 */
export const namedValues = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

export const stepLabel = (step: Step, index: number) => `step ${index + 1}${step.id ? ` "${step.id}"` : ''} (${step.type})`;

export function bindings(ctx: RunContext, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { input: ctx.input, steps: ctx.steps, last: ctx.last, processId: ctx.processId, ...extra };
}

/** What an expression sees as `$`: the input and the earlier steps' results. */
export const rootOf = (ctx: RunContext) => ({ input: ctx.input, steps: ctx.steps, last: ctx.last });

/** A value as text a step writes (a log line, a header, an invitation's summary): text as it is, anything else as JSON. */
export const asText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

export const asList = (value: unknown): unknown[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);

/** Evaluates a step's expression over the run (`$` is rootOf). */
export const evaluateOver = (ctx: RunContext, expression: string, truth = false): Promise<unknown> =>
  ctx.evaluator.evaluate({ expression, root: rootOf(ctx), bindings: bindings(ctx), truth }, ctx.signal);

/** A step's condition over the run, true or false as JSONata's own conditions see its value. */
export const conditionOver = async (ctx: RunContext, expression: string): Promise<boolean> => (await evaluateOver(ctx, expression, true)) === true;

/**
 * The run's values a per-record expression can reach: its `$` is the record, so the others only by
 * their names (`$steps`), or through `$eval`. Those it never names are not copied to the evaluator,
 * which spares a copy of every earlier step's records per field of an `ics` step, say.
 */
export function bindingsNamedIn(expression: string, all: Record<string, unknown>): Record<string, unknown> {
  if (expression.includes('$eval')) return all;
  return Object.fromEntries(Object.entries(all).filter(([name]) => expression.includes(`$${name}`)));
}

/** Evaluates a per-record expression once for each record (`$` is the record, `$index` its position), in one call. */
export const evaluateEach = async (ctx: RunContext, expression: string, records: unknown[], truth = false): Promise<unknown[]> =>
  records.length === 0
    ? []
    : ((await ctx.evaluator.evaluate({ expression, root: undefined, bindings: bindingsNamedIn(expression, bindings(ctx)), each: records, truth }, ctx.signal)) as unknown[]);

/** The records for which a per-record condition holds, as JSONata's own conditions see its value. */
export async function recordsWhere(ctx: RunContext, expression: string, records: unknown[]): Promise<unknown[]> {
  const holds = await evaluateEach(ctx, expression, records, true);
  return records.filter((_, i) => holds[i] === true);
}
