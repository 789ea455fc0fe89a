import { setImmediate as nextTurn } from 'node:timers/promises';
import jsonata from 'jsonata';
import { LinearRegExp, UnsupportedRegExp } from './linear-regexp';

const MAX_CACHED = 2000;
const compiled = new Map<string, jsonata.Expression>();

/**
 * Nesting deeper than this is a runaway recursion, not a real expression. It is counted in async
 * functions awaiting one another (a JSONata function call nests about ten): a recursion that
 * does not end fails some 2,000 calls deep, before it fills the memory an expression may use.
 */
export const MAX_NESTED_AWAITS = 20_000;
/** The abort signal is looked at every this many evaluation steps (a step is microseconds). */
const CHECK_EVERY = 256;
/** A run that has held the event loop this long lets timers and other runs go first. */
const SLICE_MS = 10;
/**
 * The binding that carries an evaluation's budget to the evaluation hook. Its name has a space,
 * which no JSONata variable name can contain: expressions cannot read or replace it.
 */
const BUDGET_BINDING = 'evaluation budget';

/**
 * What bounds one evaluation: its abort signal (the run's timeout, the caller going away, a stop).
 * JSONata evaluates with promises only, so neither a timer nor a cancel message is seen during a
 * CPU-bound expression unless the evaluation itself gives the event loop a turn now and then: this
 * does both, and lets the evaluations that share an expression process take turns.
 */
export class EvaluationBudget {
  private steps = 0;
  private lastTurn = Date.now();
  /** What the evaluation's values have come to so far, in characters of JSON. */
  private valueChars = 0;

  constructor(
    readonly signal: AbortSignal,
    /** The most its values may come to, together: what a run holds and answers is bounded. */
    private readonly maxValueChars = Infinity,
  ) {}

  /** A value as plain JSON (JSONata's sequences carry extra properties; a function is nothing), counted. */
  plain(value: unknown): unknown {
    const text = value === undefined ? undefined : JSON.stringify(value, asJson);
    if (text === undefined) return undefined;
    this.valueChars += text.length;
    if (this.valueChars > this.maxValueChars) {
      throw new Error(`the expression's value is larger than ${Math.round(this.maxValueChars / (1024 * 1024))} MB of JSON`);
    }
    return JSON.parse(text);
  }

  /**
   * Called on each evaluation step (JSONata's entry hook, from the step's own call chain); throws
   * the abort reason once the run is aborted, or when the evaluation nests too deeply.
   */
  step(): Promise<void> | undefined {
    if (++this.steps % CHECK_EVERY !== 0) return undefined;
    this.signal.throwIfAborted();
    if (nestedAwaits() > MAX_NESTED_AWAITS) throw new Error('the expression nests too deeply (a recursion that does not end?)');
    if (Date.now() - this.lastTurn < SLICE_MS) return undefined;
    return nextTurn().then(() => {
      this.lastTurn = Date.now();
      this.signal.throwIfAborted();
    });
  }
}

/**
 * How many async functions are awaiting one another down to the caller: how deeply the evaluation
 * under way is nested, read from V8's async stack trace. Counting the evaluations under way
 * would not do: JSONata evaluates an array's items and a grouping's values side by side, so a
 * grouping of 5,000 records has 5,000 under way at once, each one level deep.
 */
function nestedAwaits(): number {
  const { prepareStackTrace, stackTraceLimit } = Error;
  Error.prepareStackTrace = (_error, sites) => sites;
  Error.stackTraceLimit = Infinity;
  const holder: { stack?: NodeJS.CallSite[] } = {};
  try {
    Error.captureStackTrace(holder, nestedAwaits);
    let count = 0;
    for (const site of holder.stack ?? []) if (site.isAsync()) count++;
    return count;
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/**
 * A number JSON cannot write. JSON.stringify would quietly make it null; JSONata's arithmetic
 * refuses such results, but its `$number` answers NaN for some strings that are not numbers
 * (`"ab0b1"`, `"x0o7"`: its test for `0b`/`0o` prefixes is not anchored at the start).
 */
class NotAJsonNumber extends Error {
  constructor(value: number) {
    super(`the expression's value holds ${value}, which is not a number JSON can carry`);
  }
}

/**
 * The value as JSON. JSONata's functions are objects: a lambda written as JSON would be its syntax
 * tree and the whole input it was defined over. As a value, a function is nothing (left out of an
 * object, null in an array). A number that is not finite is an error, never a silent null.
 */
function asJson(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new NotAJsonNumber(value);
  const flags = value as { _jsonata_lambda?: unknown; _jsonata_function?: unknown } | null;
  return typeof flags === 'object' && flags !== null && (flags._jsonata_lambda || flags._jsonata_function) ? undefined : value;
}

/**
 * What a value comes to as JSON, in characters: what EvaluationBudget counts of an expression's
 * values, and RunMemory of what a run keeps.
 */
export const jsonChars = (value: unknown): number => (value === undefined ? 0 : (JSON.stringify(value, asJson)?.length ?? 0));

type Environment = { lookup(name: string): unknown };
const budgetOf = (environment: Environment) => environment.lookup(BUDGET_BINDING) as EvaluationBudget | undefined;

/**
 * JSONata with its regular expressions matched in linear time. The engine is a setting of the
 * library, not of one expression (it is read when a literal is evaluated, also in `$eval`), so
 * every expression is parsed here, or the last one parsed without it would set it back.
 */
const parse = (expression: string) => jsonata(expression, { RegexEngine: LinearRegExp as unknown as RegExp });

/** Every regular expression literal of a parsed expression, with where it is. */
function* literalsOf(node: unknown): Generator<{ value: RegExp; position?: number }> {
  if (Array.isArray(node)) {
    for (const item of node) yield* literalsOf(item);
  } else if (typeof node === 'object' && node !== null) {
    const { type, value, position } = node as { type?: unknown; value?: unknown; position?: number };
    if (type === 'regex' && value instanceof RegExp) yield { value, position };
    for (const child of Object.values(node)) yield* literalsOf(child);
  }
}

/**
 * Compiles (once) a JSONata expression; throws the parser's error for a bad one, and
 * UnsupportedRegExp for a regular expression RE2 cannot match.
 */
export function compile(expression: string): jsonata.Expression {
  let found = compiled.get(expression);
  if (!found) {
    found = parse(expression);
    for (const literal of literalsOf(found.ast())) LinearRegExp.check(literal.value, literal.position);
    // A hook JSONata calls at every evaluation step (the mechanism of its own timebox tests).
    const hook = found.assign.bind(found) as unknown as (name: symbol, value: unknown) => void;
    hook(Symbol.for('jsonata.__evaluate_entry'), (_expr: unknown, _input: unknown, env: Environment) => budgetOf(env)?.step());
    if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value as string);
    compiled.set(expression, found);
  }
  return found;
}

const TRUTH = parse('$boolean($value)');

/**
 * A value's truth as JSONata's own conditions see it: an empty array or object, an array of
 * false values, and a function are false, where JavaScript would call them true.
 */
export async function truthOf(value: unknown): Promise<boolean> {
  return (await TRUTH.evaluate(null, { value })) === true;
}

/** The parser's message for a bad expression, or undefined when it compiles. */
export function expressionError(expression: string): string | undefined {
  try {
    compile(expression);
    return undefined;
  } catch (error) {
    const e = error as { message?: string; position?: number };
    return `${e.message ?? 'invalid expression'}${e.position !== undefined ? ` (at position ${e.position})` : ''}`;
  }
}

/**
 * An expression JSONata could not evaluate: which one and where in it, so that the run's error
 * can name the step's field (never the expression's text, which may hold credentials).
 */
export class ExpressionFailure extends Error {
  constructor(
    message: string,
    readonly expression: string,
    readonly position?: number,
    /** The record a per-record expression was evaluated on (0-based). */
    readonly record?: number,
  ) {
    super(message);
    this.name = 'ExpressionFailure';
  }
}

/** JSONata's own errors carry a code such as `T2002` or `D3030`. */
const isJsonataError = (error: unknown): error is { code: string; message: string; position?: number } & Record<string, unknown> =>
  typeof (error as { code?: unknown })?.code === 'string' && /^[A-Z]\d{4}$/.test((error as { code: string }).code);

/**
 * What a value is, without what it holds: messages that reach the caller, the run and
 * `FlowRunFailed` (read by downstream subscribers) say `a string`, never the customer's data.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return 'a function';
  }
}

/**
 * The parts of a JSONata error that carry evaluated data (`Unable to cast value to a number:
 * {{value}}`, the two operands of a comparison, a power's base and exponent, what `$eval` was
 * given or what failed in it). JSONata writes each into its message as JSON; the part which
 * comes from the expression itself (the operator or function, the argument's index) stays.
 */
const DATA_PARTS = ['value', 'value2', 'exp'] as const;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** JSONata's message with every data part written as what it is (`a string`) instead of its value. */
export function messageWithoutData(error: { message: string } & Record<string, unknown>): string {
  let message = error.message;
  for (const part of DATA_PARTS) {
    if (!(part in error)) continue;
    const quoted = JSON.stringify(error[part]);
    if (quoted === undefined) continue;
    // Where a word or number does not go on: the value 3 is not the 3 of "36".
    message = message.replace(new RegExp(`(?<![\\w.])${escapeRegExp(quoted)}(?![\\w.])`, 'g'), () => describeValue(error[part]));
  }
  return message;
}

/** Evaluates within the run's budget: an aborted run stops its expression, however busy. */
export async function evaluate(expression: string, context: unknown, bindings: Record<string, unknown>, budget: EvaluationBudget, record?: number): Promise<unknown> {
  try {
    return budget.plain(await compile(expression).evaluate(context, { ...bindings, [BUDGET_BINDING]: budget }));
  } catch (error) {
    if (error instanceof NotAJsonNumber) throw new ExpressionFailure(error.message, expression, undefined, record);
    if (error instanceof UnsupportedRegExp) throw new ExpressionFailure(error.message, expression, error.position, record);
    if (!isJsonataError(error)) throw error;
    throw new ExpressionFailure(messageWithoutData(error), expression, typeof error.position === 'number' ? error.position : undefined, record);
  }
}
