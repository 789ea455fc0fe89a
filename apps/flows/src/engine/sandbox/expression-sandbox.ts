import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Counter } from 'prom-client';
import { metricsRegistry } from '@tollgate/service-runtime';
import { FLOWS_CONFIG, type FlowsConfig } from '../../config/flows.config';
import { errorOf, type EvaluationRequest, type Evaluator, type FromEvaluator, type ToEvaluator } from './evaluation';

/** How often a busy evaluator process is asked whether it still answers. */
const PING_EVERY_MS = 500;
/** A process that ended before it was ready is started again only after this pause. */
const RESTART_PAUSE_MS = 1_000;
/** The last of a process's standard error kept for the line logged when it ends. */
const STDERR_TAIL = 4_096;

const processEnds = new Counter({
  name: 'tollgate_flow_expression_process_exits_total',
  help: 'Expression sandbox processes that ended while the service ran, by reason (out_of_memory, stuck, other); each is replaced at once',
  labelNames: ['reason'] as const,
  registers: [metricsRegistry],
});

type SandboxConfig = Pick<FlowsConfig, 'FLOWS_EXPRESSION_PROCESSES' | 'FLOWS_EXPRESSION_MEMORY_MB' | 'FLOWS_EXPRESSION_STEP_LIMIT_MS' | 'FLOWS_EXPRESSION_MAX_VALUE_MB'>;

interface Pending {
  id: number;
  request: EvaluationRequest;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** Where it was sent last. */
  process?: EvaluatorProcess;
  /** The caller's signal aborted: it has had its answer; the process was told to stop the evaluation. */
  cancelled?: boolean;
  /** A process ended under it once already: it is being evaluated again, or waits to be. */
  retried?: boolean;
}

/**
 * What an evaluator process is told of the service's environment: nothing secret. It runs what
 * tenants wrote; should an expression ever escape JSONata, it finds no INTERNAL_SECRET (which
 * signs principals every service trusts), no DATABASE_URL and no other credential.
 */
const EVALUATOR_ENV = ['PATH', 'TZ', 'LANG', 'LC_ALL', 'NODE_ENV'];
const evaluatorEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(EVALUATOR_ENV.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]]));

/** One evaluator process and the evaluations sent to it. */
class EvaluatorProcess {
  readonly pending = new Map<number, Pending>();
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  /** It said it was ready: one that ends before that is broken, not broken by an expression. */
  wasReady = false;
  /** When the unanswered ping was sent: a process that answers nothing for the step limit is stuck. */
  pingSentAt?: number;
  stuck = false;
  stderrTail = '';

  constructor(entry: string, args: string[], execArgv: string[], onMessage: (message: FromEvaluator) => void) {
    this.child = fork(entry, args, { execArgv, env: evaluatorEnv(), serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL)));
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (message: FromEvaluator) => {
        this.pingSentAt = undefined;
        if (message.type !== 'ready') return onMessage(message);
        this.wasReady = true;
        resolve();
      });
      this.child.once('exit', () => reject(new Error(this.notStarted())));
    });
    // Handled where it is awaited; a process that never became ready must not be an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  /** It has ended; its replacement takes its slot (at once, or after a pause). */
  get ended(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  send(message: ToEvaluator): void {
    // A closed channel means the process is ending: its exit handler answers what was sent to it.
    if (this.child.connected) this.child.send(message, () => undefined);
  }

  /** Why a process that ended before it was ready did not start. */
  notStarted(): string {
    return `the expression process ended before it was ready: ${this.lastWords() ?? 'no output'}`;
  }

  /** The line of its standard error that says why it ended (V8's `FATAL ERROR: ...`), when there is one. */
  lastWords(): string | undefined {
    const lines = this.stderrTail.split('\n').map((line) => line.trim()).filter(Boolean);
    return lines.find((line) => line.startsWith('FATAL ERROR')) ?? lines.at(-1);
  }
}

/**
 * Evaluates flows' JSONata expressions in separate processes, so that what one expression does
 * cannot take down or freeze the service that runs every instance's flows:
 * - each process's heap is capped (FLOWS_EXPRESSION_MEMORY_MB): an expression that builds too
 *   large a value (`[1..10000000].$string()`) ends that process, not the service;
 * - a process that answers nothing for FLOWS_EXPRESSION_STEP_LIMIT_MS is stuck in one step no
 *   timer can interrupt (a built-in function given a huge input, such as `$distinct` of 100,000
 *   objects, which compares each with all the others) and is ended;
 * - an evaluation's values may come to at most FLOWS_EXPRESSION_MAX_VALUE_MB of JSON, which is
 *   what the service receives of it;
 * - a run's abort (its timeout, its caller leaving) answers at once and stops its evaluation.
 * An ended process is replaced at once. Which of the evaluations it held broke it is not known, so
 * each is evaluated once more, one at a time: the one that breaks a process again fails, naming
 * why; those that were only beside it give their values.
 */
@Injectable()
export class ExpressionSandbox implements Evaluator, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('expressions');
  private readonly processes: EvaluatorProcess[] = [];
  private readonly entry = path.join(__dirname, `evaluator-process${path.extname(__filename)}`);
  private readonly execArgv: string[];
  private nextId = 0;
  /** Evaluations a process took with it when it ended, to evaluate once more one at a time. */
  private readonly retries: Pending[] = [];
  private retrying?: Pending;
  /** Evaluations that arrived while every process was ended and waiting for its replacement. */
  private readonly waiting: Pending[] = [];
  private watchdog?: NodeJS.Timeout;
  private stopping = false;

  constructor(@Inject(FLOWS_CONFIG) private readonly config: SandboxConfig) {
    // Run from TypeScript sources (tests, tsx), the process is too.
    const typescript = this.entry.endsWith('.ts') ? ['--require', require.resolve('tsx/cjs')] : [];
    this.execArgv = [`--max-old-space-size=${config.FLOWS_EXPRESSION_MEMORY_MB}`, ...typescript];
  }

  async onModuleInit(): Promise<void> {
    for (let slot = 0; slot < this.config.FLOWS_EXPRESSION_PROCESSES; slot++) this.processes.push(this.start(slot));
    await Promise.all(this.processes.map((p) => p.ready));
    this.watchdog = setInterval(() => this.watch(), PING_EVERY_MS);
    this.watchdog.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.watchdog);
    for (const pending of [...this.retries.splice(0), ...this.waiting.splice(0)]) pending.reject(new Error('the service is stopping'));
    await Promise.all(
      this.processes.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.ended) return resolve();
            p.child.once('exit', () => resolve());
            // It ends when its channel closes; one that is busy in a long step is ended.
            if (p.child.connected) p.child.disconnect();
            setTimeout(() => p.child.kill('SIGKILL'), 2_000).unref();
          }),
      ),
    );
  }

  evaluate(request: EvaluationRequest, signal: AbortSignal): Promise<unknown> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        pending.cancelled = true;
        pending.process?.send({ type: 'cancel', id: pending.id });
        pending.reject(signal.reason);
      };
      const settle =
        <T>(answer: (value: T) => void) =>
        (value: T) => {
          signal.removeEventListener('abort', onAbort);
          this.settled(pending);
          answer(value);
        };
      const pending: Pending = { id: ++this.nextId, request, resolve: settle(resolve), reject: settle(reject) };
      signal.addEventListener('abort', onAbort, { once: true });
      this.dispatch(pending);
    });
  }

  private dispatch(pending: Pending): void {
    const target = this.leastBusy();
    if (!target) return void this.waiting.push(pending);
    pending.process = target;
    target.pending.set(pending.id, pending);
    target.ready.then(
      () => {
        if (pending.cancelled) {
          target.pending.delete(pending.id);
          return;
        }
        if (!target.pending.has(pending.id)) return;
        try {
          target.send({ type: 'evaluate', id: pending.id, request: pending.request });
        } catch (error) {
          // What cannot be sent (a value the structured clone does not take) is the step's error.
          target.pending.delete(pending.id);
          pending.reject(error);
        }
      },
      () => undefined, // its exit handler answers
    );
  }

  /** An evaluation was answered: when it was the one being evaluated again, the next one's turn. */
  private settled(pending: Pending): void {
    if (this.retrying !== pending) return;
    this.retrying = undefined;
    this.nextRetry();
  }

  /**
   * Evaluations a process took with it are evaluated again one at a time, so that the one that
   * broke it (when it breaks the next one too) does not take the others with it a second time.
   */
  private nextRetry(): void {
    if (this.retrying || this.stopping) return;
    const next = this.retries.shift();
    if (!next) return;
    this.retrying = next;
    this.dispatch(next);
  }

  private leastBusy(): EvaluatorProcess | undefined {
    let best: EvaluatorProcess | undefined;
    for (const p of this.processes) if (!p.ended && (!best || p.pending.size < best.pending.size)) best = p;
    return best;
  }

  private start(slot: number): EvaluatorProcess {
    const p = new EvaluatorProcess(this.entry, [String(this.config.FLOWS_EXPRESSION_MAX_VALUE_MB * 1024 * 1024)], this.execArgv, (message) => this.answer(p, message));
    p.child.once('exit', (code, signal) => this.ended(slot, p, code, signal));
    return p;
  }

  private answer(p: EvaluatorProcess, message: FromEvaluator): void {
    if (message.type !== 'done' && message.type !== 'failed') return;
    const pending = p.pending.get(message.id);
    if (!pending) return;
    p.pending.delete(message.id);
    if (pending.cancelled) return;
    if (message.type === 'done') pending.resolve(message.value);
    else if (message.failure.kind === 'cancelled') pending.reject(new Error('the evaluation was cancelled'));
    else pending.reject(errorOf(message.failure, pending.request.expression));
  }

  /** Pings busy processes; ends one that has not answered for the step limit. */
  private watch(): void {
    const now = Date.now();
    for (const p of this.processes) {
      // Starting (loading its code) is no step: only a process that said it was ready is timed.
      if (p.pending.size === 0 || p.stuck || p.ended || !p.wasReady) continue;
      if (p.pingSentAt === undefined) {
        p.pingSentAt = now;
        p.send({ type: 'ping' });
      } else if (now - p.pingSentAt > this.config.FLOWS_EXPRESSION_STEP_LIMIT_MS) {
        p.stuck = true;
        p.child.kill('SIGKILL');
      }
    }
  }

  private ended(slot: number, p: EvaluatorProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping) {
      for (const pending of [...p.pending.values()]) if (!pending.cancelled) pending.reject(new Error('the service is stopping'));
      return;
    }
    const outOfMemory = !p.stuck && (signal === 'SIGABRT' || /out of memory/i.test(p.stderrTail));
    const reason = p.stuck ? 'stuck' : outOfMemory ? 'out_of_memory' : 'other';
    processEnds.inc({ reason });
    const why = {
      stuck: `one step of this or another expression evaluated beside it ran for over ${this.config.FLOWS_EXPRESSION_STEP_LIMIT_MS / 1000} s (a built-in function given too large an input?), so it was stopped`,
      out_of_memory: `this or another expression evaluated beside it needed more than the ${this.config.FLOWS_EXPRESSION_MEMORY_MB} MB an expression may use`,
      other: 'the expression could not be evaluated (its process ended); try again',
    }[reason];
    const held = [...p.pending.values()].filter((pending) => !pending.cancelled);
    p.pending.clear();
    this.logger.error({ reason, code, signal, evaluations: held.length, said: p.lastWords() }, 'an expression process ended; starting another');
    const replace = () => {
      if (this.stopping) return;
      const next = this.start(slot);
      this.processes[slot] = next;
      for (const pending of this.waiting.splice(0)) if (!pending.cancelled) this.dispatch(pending);
      // One that a stop ends before it is ready is no failure to start.
      next.ready.catch((error: Error) => this.stopping || this.logger.error({ err: error }, 'an expression process did not start'));
    };
    // One that ends as it starts (a broken install) is not restarted in a tight loop.
    if (!p.wasReady) setTimeout(replace, RESTART_PAUSE_MS).unref();
    else replace();
    // Which of them broke it is not known: each is evaluated once more, and fails the second time.
    // One that never started evaluated nothing: what it held goes to another (or waits for one), once.
    for (const pending of held) {
      if (pending.retried) pending.reject(new Error(p.wasReady ? why : p.notStarted()));
      else {
        pending.retried = true;
        if (p.wasReady) this.retries.push(pending);
        else this.dispatch(pending);
      }
    }
    this.nextRetry();
  }
}
