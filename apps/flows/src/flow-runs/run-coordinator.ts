import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ErrorCode } from '@tollgate/contracts';
import { ApiException, CREDENTIAL_PARAMETERS, InstanceShares, stableDigest } from '@tollgate/service-runtime';
import { CommandRunner, EventStore } from '@tollgate/event-sourcing';
import { FLOWS_CONFIG, type FlowsConfig } from '../config/flows.config';
import { InternalClients } from '../downstream/internal-clients';
import type { FlowEngine } from '../engine/flow-engine';
import { OutboundHttp } from '../engine/outbound/outbound-http';
import { namedValues, StepFailure, type RunContext } from '../engine/run-context';
import { RunMemory } from '../engine/run-memory';
import { ExpressionSandbox } from '../engine/sandbox/expression-sandbox';
import { queryRequestIds } from '../engine/steps/query-step';
import type { FlowDefinition } from '../flows/flow-definition';
import { buildEngine } from './build-engine';
import { flowRunDecider, RunAlreadyFinished, type RunCommand } from './flow-run.decider';
import { flowRunsProjection } from './flow-runs.projection';
import { RunCredits } from './run-credits';
import { countRunFinished } from './run-metrics';
import type { FlowInput, RunFailure, RunMessage } from './run-message';
import { AbortReason, type RunOutcome } from './run-outcome';
import { RunStore, storable } from './run-store';

export interface StartRequest {
  flow: FlowDefinition;
  input: FlowInput;
  startedBy: string;
  timeoutMs: number;
  idempotencyKey?: string;
  /** Who calls (key, user, `webhook` or `anonymous`): an Idempotency-Key is one caller's. */
  caller: string;
  requestId?: string;
  /** The key and user the run's charges are made in the name of. */
  payer?: RunContext['payer'];
}

export interface ActiveRun {
  processId: string;
  controller: AbortController;
  done: Promise<RunOutcome>;
}

/**
 * Starts runs, enforces their time limit with a real abort (every step gets the signal), records
 * their outcome with its events, and keeps a lease on each run it executes so that a run whose
 * process dies is resumed (or failed with a reason) by the next one instead of staying `running`.
 */
@Injectable()
export class RunCoordinator implements BeforeApplicationShutdown {
  readonly owner = `flows-${randomUUID()}`;
  private readonly logger = new Logger('runs');
  private readonly runner: CommandRunner;
  private readonly engine: FlowEngine;
  readonly http: OutboundHttp;
  private readonly active = new Map<string, ActiveRun>();
  private readonly credits: RunCredits;
  /**
   * Every instance's runs share this process, its memory and its event loop: one instance starting
   * endless long runs (an async flow with a `delay`, each holding its input) would starve the others.
   */
  private readonly slots: InstanceShares;
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    store: EventStore,
    private readonly runs: RunStore,
    clients: InternalClients,
    private readonly expressions: ExpressionSandbox,
    @Inject(FLOWS_CONFIG) private readonly config: FlowsConfig,
  ) {
    this.runner = new CommandRunner(dataSource, store, [flowRunsProjection]);
    this.http = new OutboundHttp(config.FLOWS_HTTP_ALLOWLIST, config.FLOWS_HTTP_TIMEOUT_MS, config.FLOWS_HTTP_MAX_BYTES);
    this.credits = new RunCredits(clients.credits);
    this.slots = new InstanceShares(config.FLOWS_RUNS_PER_INSTANCE, {
      message: `At most ${config.FLOWS_RUNS_PER_INSTANCE} runs of an instance are under way at once; retry when one has finished`,
      retryAfterSeconds: 1,
    });
    this.engine = buildEngine(clients, this.http, {
      emit: (ctx, event, payload, step) =>
        this.record(ctx.processId, ctx.instanceId, { kind: 'emit', event, payload: storable(payload), step, ordinal: (ctx.emitted = (ctx.emitted ?? 0) + 1) }),
    });
  }

  localRun(processId: string): ActiveRun | undefined {
    return this.active.get(processId);
  }

  /** Records the run as started and executes it; an idempotency key already used within 24 h gives the earlier process instead. */
  async start(req: StartRequest): Promise<{ processId: string; replayed: boolean; run?: ActiveRun }> {
    const processId = `run_${randomUUID()}`;
    const { flow } = req;
    const messages: RunMessage[] = [{ at: new Date().toISOString(), level: 'info', text: `Run started by ${req.startedBy} (${flow.mode})` }];
    // Before anything is written: a refused run leaves no trace and claims no Idempotency-Key. With a
    // key, once it is claimed (a refusal rolls the claim back): a retry that gets the run its key
    // started takes no slot, so it is not refused while that run holds the last one.
    let slot = req.idempotencyKey ? undefined : this.slots.take(flow.instanceId);
    const replay = await this.dataSource.transaction(async (em) => {
      if (req.idempotencyKey) {
        const fingerprint = requestFingerprint(req.input);
        const earlier = await this.runs.claimIdempotencyKey(em, {
          instanceId: flow.instanceId,
          flowId: flow.flowId,
          caller: req.caller,
          idempotencyKey: req.idempotencyKey,
          processId,
          fingerprint,
        });
        if (earlier?.fingerprint && earlier.fingerprint !== fingerprint) {
          throw new ApiException(
            ErrorCode.IdempotencyKeyReused,
            'This Idempotency-Key came with another body or other URL parameters within the last 24 hours; a new request needs a new key',
          );
        }
        if (earlier) return earlier.processId;
        slot = this.slots.take(flow.instanceId);
      }
      await this.runs.create(em, {
        processId,
        instanceId: flow.instanceId,
        mode: flow.mode,
        input: req.input,
        timeoutMs: req.timeoutMs,
        owner: this.owner,
        leaseMs: this.config.FLOWS_RUN_LEASE_MS,
        messages,
      });
      await this.runner.run(flowRunDecider, {
        streamId: processId,
        instanceId: flow.instanceId,
        command: { kind: 'start', processId, flowId: flow.flowId, startedBy: req.startedBy },
        correlationId: req.requestId,
        em,
      });
      return undefined;
    }).catch((error: unknown) => {
      slot?.();
      throw error;
    });
    if (replay) {
      return { processId: replay, replayed: true, run: this.active.get(replay) };
    }
    return { processId, replayed: false, run: this.execute(flow, processId, req.input, req.timeoutMs, Date.now(), messages, { payer: req.payer, slot: slot! }) };
  }

  /**
   * Executes a run this process owns, from its first step, in the slot `start` took for it. Without
   * `started`, the run is resumed after a restart: it takes a slot whatever the instance's count, its
   * charges name no key or user, and any of its query steps may have been charged by an earlier
   * attempt, which this one does not know of (see `unconfirmed`).
   */
  execute(
    flow: FlowDefinition,
    processId: string,
    input: FlowInput,
    timeoutMs: number,
    startedAt: number,
    messages: RunMessage[],
    started?: { payer?: RunContext['payer']; slot: () => void },
  ): ActiveRun {
    const payer = started?.payer;
    const slot = started?.slot ?? this.slots.take(flow.instanceId, { force: true });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new AbortReason('timeout', `The flow did not finish within ${timeoutMs} ms`)), Math.max(0, timeoutMs - (Date.now() - startedAt)));
    // What a resumed run's earlier attempts logged is kept too: it counts from the start.
    const memory = new RunMemory(this.config.FLOWS_RUN_MAX_MB * 1024 * 1024);
    memory.keep(messages);
    const saveMessages = this.messageSaver(processId, messages);
    let saving: Promise<void> = Promise.resolve();
    const ctx: RunContext = {
      processId,
      instanceId: flow.instanceId,
      flow,
      input,
      signal: controller.signal,
      evaluator: this.expressions,
      steps: namedValues(),
      last: undefined,
      outputs: namedValues(),
      charges: [],
      unconfirmed: new Set(started ? [] : queryRequestIds(flow, processId)),
      ...(payer ? { payer } : {}),
      messages,
      memory,
      log: (level, text, step, detail) => {
        const message: RunMessage = { at: new Date().toISOString(), level, text, ...(step ? { step } : {}), ...(detail !== undefined && typeof detail === 'object' ? { detail } : {}) };
        memory.keep(message);
        messages.push(message);
        if (level === 'debug') saving = saveMessages(saving);
      },
    };
    const done = (async (): Promise<RunOutcome> => {
      let outcome: RunOutcome;
      try {
        const result = await this.engine.run(ctx);
        outcome = { status: 'success', result };
      } catch (error) {
        outcome = this.failureOf(error, controller.signal, flow, processId);
      } finally {
        clearTimeout(timer);
      }
      await saving;
      const stopped = outcome.status !== 'success' && controller.signal.reason instanceof AbortReason && controller.signal.reason.kind === 'stopping';
      // Left running, its charges unsettled: the next process resumes it, and the attempt that ends
      // it (or the recovery that gives it up) settles what every attempt was charged.
      if (stopped && flow.mode === 'async') return outcome;
      outcome.credits = await this.credits.settle(flow.instanceId, ctx.charges, outcome.status === 'success', ctx.log, ctx.refusedAtRemaining, ctx.unconfirmed);
      const recorded = await this.finish(flow.instanceId, processId, outcome, messages, startedAt);
      if (stopped) await this.runs.releaseIdempotencyKeyOf(flow.instanceId, flow.flowId, processId).catch(() => undefined);
      return { ...recorded, credits: outcome.credits };
    })();
    const run = { processId, controller, done };
    this.active.set(processId, run);
    // Handled here: a run nobody waits for any more (an async one after its 202) must not take the process down.
    const forget = () => {
      this.active.delete(processId);
      slot();
    };
    done.then(forget, forget);
    return run;
  }

  /**
   * Saves a run's console while it runs (a debug step's message is readable before the run ends):
   * in full the first time, then only the messages added since, so that a run of many debug steps
   * is not written out whole again at each. Saves wait for the one before; one still waiting takes
   * the messages of those asked for meanwhile too. A failed save is tried again with the next.
   */
  private messageSaver(processId: string, messages: RunMessage[]): (previous: Promise<void>) => Promise<void> {
    let saved: number | undefined;
    let queued: Promise<void> | undefined;
    return (previous) =>
      (queued ??= previous
        .then(async () => {
          queued = undefined;
          const upTo = messages.length;
          if (saved === undefined) await this.runs.saveMessages(processId, messages.slice(0, upTo));
          else if (upTo > saved) await this.runs.appendMessages(processId, messages.slice(saved, upTo));
          saved = upTo;
        })
        .catch(() => undefined));
  }

  private failureOf(error: unknown, signal: AbortSignal, flow: FlowDefinition, processId: string): Exclude<RunOutcome, { status: 'success' }> {
    const reason = signal.reason;
    if (signal.aborted && reason instanceof AbortReason) {
      const httpStatus = reason.kind === 'timeout' ? 504 : 503;
      return { status: 'aborted', failure: { status: 'aborted', httpStatus, code: reason.kind === 'timeout' ? 'timeout' : 'unavailable', message: reason.message } };
    }
    if (error instanceof RunAlreadyFinished) {
      return { status: 'aborted', failure: { status: 'aborted', httpStatus: 409, code: 'conflict', message: error.message } };
    }
    if (error instanceof StepFailure) {
      const retry = error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {};
      const errors = error.errors ? { errors: error.errors } : {};
      return { status: 'failed', failure: { status: 'failed', httpStatus: error.httpStatus, code: error.code, message: error.message, ...retry, ...errors } };
    }
    // The caller is told only `internal_error`: the line names the run, its flow and instance for the operator.
    this.logger.error({ err: error, processId, flowId: flow.flowId, instanceId: flow.instanceId }, 'flow run crashed');
    return { status: 'failed', failure: { status: 'failed', httpStatus: 500, code: 'internal_error', message: 'The flow failed' } };
  }

  /**
   * Writes the outcome with its event; when another writer finished the run first, its outcome
   * stands. While the database cannot take it, it tries again (until the process stops), so that
   * no run stays `running` because its end came during an outage. What is recorded is what the
   * caller is told (see `storable`).
   */
  async finish(instanceId: string, processId: string, ended: RunOutcome, messages: RunMessage[], startedAt: number): Promise<RunOutcome> {
    const outcome = storable(ended);
    const failure: RunFailure | undefined = outcome.status === 'success' ? undefined : outcome.failure;
    messages.push({
      at: new Date().toISOString(),
      level: failure ? 'error' : 'info',
      text: failure ? `Response ${failure.httpStatus}: ${failure.message}` : `Response ${outcome.status === 'success' ? (outcome.result.response?.statusCode ?? 200) : ''}: success`,
    });
    const durationMs = Date.now() - startedAt;
    for (let retryMs = 250; ; retryMs = Math.min(retryMs * 2, 5_000)) {
      try {
        await this.dataSource.transaction(async (em) => {
          await this.runner.run(flowRunDecider, {
            streamId: processId,
            instanceId,
            command: { kind: 'finish', status: outcome.status, reason: failure?.message, durationMs },
            // The outcome answers the trigger request, also when another process finishes the run.
            inheritCorrelation: true,
            em,
          });
          await this.runs.finish(em, processId, { ...(outcome.status === 'success' ? { result: outcome.result } : { failure }), messages });
        });
        countRunFinished(outcome, durationMs);
        return outcome;
      } catch (error) {
        if (error instanceof RunAlreadyFinished) {
          const stored = await this.runs.get(instanceId, processId);
          if (stored?.status === 'success' && stored.result) return { status: 'success', result: stored.result };
          if (stored?.failure) return { status: stored.failure.status, failure: stored.failure } as RunOutcome;
          return outcome;
        }
        if (this.stopping) throw error;
        this.logger.warn({ processId, err: (error as Error).message, retryInMs: retryMs }, 'recording the outcome of a run failed; trying again');
        await sleep(retryMs);
      }
    }
  }

  /** Refunds what a run that cannot go on was charged: its query steps' request ids are always the same. */
  async refundSteps(flow: FlowDefinition, processId: string): Promise<void> {
    const { kept } = await this.credits.refund(flow.instanceId, queryRequestIds(flow, processId));
    if (kept.length) this.logger.warn({ processId, kept }, 'refunds of an interrupted run failed');
  }

  private async record(processId: string, instanceId: string, command: RunCommand): Promise<void> {
    await this.runner.run(flowRunDecider, { streamId: processId, instanceId, command, inheritCorrelation: true });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    const running = [...this.active.values()];
    for (const run of running) run.controller.abort(new AbortReason('stopping', 'The flows service is stopping'));
    await Promise.allSettled(running.map((r) => r.done));
    await this.runs.releaseLeases(this.owner).catch(() => undefined);
    await this.http.close();
  }
}

/** Query parameters that say how a trigger is called, not what it asks: credentials, the caller's wait, the instance. */
const HOW_CALLED = new Set([...CREDENTIAL_PARAMETERS, 'timeout', 'instance']);

/**
 * What an Idempotency-Key stands for: the media type and the body the flow is given (decoded, so a
 * charset parameter changes nothing by itself), whatever the order of an object's keys, and the
 * URL's parameters (`?date=…`, which a flow reads as its input too), whatever their order, but not
 * those that say how it is called. A call without parameters has the fingerprint it had before
 * parameters counted, so keys already claimed by such calls still match their retries.
 */
function requestFingerprint(input: FlowInput): string {
  const mediaType = input.contentType.split(';')[0].trim().toLowerCase();
  const query = URL.canParse(input.url) ? new URL(input.url).searchParams : new URLSearchParams();
  const parameters = [...query]
    .filter(([name]) => !HOW_CALLED.has(name.toLowerCase()))
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1));
  return stableDigest(parameters.length ? { mediaType, body: input.body, parameters } : { mediaType, body: input.body });
}
