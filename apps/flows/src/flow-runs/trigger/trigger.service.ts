import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '@tollgate/auth';
import { ErrorCode } from '@tollgate/contracts';
import { ApiException, idempotencyKeyOf } from '@tollgate/service-runtime';
import { FLOWS_CONFIG, type FlowsConfig } from '../../config/flows.config';
import type { FlowDefinition } from '../../flows/flow-definition';
import { RunCoordinator } from '../run-coordinator';
import type { FlowInput } from '../run-message';
import type { RunOutcome } from '../run-outcome';
import { AbortReason } from '../run-outcome';
import { RunStore } from '../run-store';

/** Async: the run's outcome when it finished while the caller waited, else only its process id. */
export type TriggerAnswer = { kind: 'accepted'; processId: string; outcome?: RunOutcome } | { kind: 'outcome'; processId: string; outcome: RunOutcome };

/**
 * How long the caller waits (API.md): the URL's `timeout`, then the flow's `timeoutMs`, then the
 * mode's default. A sync run is aborted after it; an async call answers 202 by then.
 */
export function callerTimeout(config: FlowsConfig, flow: FlowDefinition, fromUrl?: string): number {
  let chosen: number | undefined;
  if (fromUrl !== undefined && fromUrl !== '') {
    const parsed = Number(fromUrl);
    if (!Number.isInteger(parsed) || parsed < 1) throw ApiException.validation([{ field: 'timeout', message: 'timeout must be a positive number of milliseconds' }]);
    chosen = parsed;
  }
  chosen ??= flow.timeoutMs ?? (flow.mode === 'sync' ? config.FLOWS_DEFAULT_SYNC_TIMEOUT_MS : config.FLOWS_DEFAULT_ASYNC_WAIT_MS);
  return Math.min(chosen, config.FLOWS_MAX_TIMEOUT_MS);
}

/** The work's result if it comes within `ms`, else undefined (the work goes on). */
async function within<T>(ms: number, work: Promise<T>): Promise<T | undefined> {
  const timer = new AbortController();
  try {
    return await Promise.race([work, sleep(ms, undefined, { signal: timer.signal })]);
  } finally {
    timer.abort();
  }
}

/** Starts a run and answers as the flow's mode says: the outcome (sync) or the process id (async). */
@Injectable()
export class TriggerService {
  constructor(
    private readonly coordinator: RunCoordinator,
    private readonly runs: RunStore,
    @Inject(FLOWS_CONFIG) private readonly config: FlowsConfig,
  ) {}

  async trigger(req: {
    flow: FlowDefinition;
    principal: Principal;
    startedBy: string;
    input: FlowInput;
    timeout?: string;
    idempotencyKey?: string;
    clientGone: (abort: () => void) => void;
  }): Promise<TriggerAnswer> {
    const { flow } = req;
    const idempotencyKey = idempotencyKeyOf(req.idempotencyKey);
    const waitMs = callerTimeout(this.config, flow, req.timeout);
    const started = await this.coordinator.start({
      flow,
      input: req.input,
      startedBy: req.startedBy,
      // A sync run lasts as long as its caller waits; an async one runs on after the 202.
      timeoutMs: flow.mode === 'sync' ? waitMs : this.config.FLOWS_ASYNC_RUN_MAX_MS,
      idempotencyKey,
      caller: req.startedBy === 'webhook' || req.startedBy === 'anonymous' ? req.startedBy : (req.principal.keyId ?? req.principal.userId ?? req.startedBy),
      requestId: req.principal.requestId,
      payer: { ...(req.principal.keyId ? { keyId: req.principal.keyId } : {}), ...(req.principal.userId ? { userId: req.principal.userId } : {}) },
    });
    const { processId, run } = started;
    if (flow.mode === 'async') {
      return { kind: 'accepted', processId, outcome: await within(waitMs, run ? run.done : this.storedOutcome(flow.instanceId, processId, waitMs)) };
    }
    if (run) {
      // A caller that sent an Idempotency-Key may hang up and ask again with it: the run goes on
      // (within its timeout) so that the retry gets its outcome, not an abort nobody asked for.
      if (!started.replayed && idempotencyKey === undefined) req.clientGone(() => run.controller.abort(new AbortReason('client-gone', 'The caller went away')));
      return { kind: 'outcome', processId, outcome: await run.done };
    }
    const stored = await this.storedOutcome(flow.instanceId, processId, waitMs);
    if (!stored) throw new ApiException(ErrorCode.Timeout, 'The earlier run with this Idempotency-Key is still running');
    return { kind: 'outcome', processId, outcome: stored };
  }

  /** A replayed call whose run another process executes (or executed): its recorded outcome, once there is one within `waitMs`. */
  private async storedOutcome(instanceId: string, processId: string, waitMs: number): Promise<RunOutcome | undefined> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const run = await this.runs.get(instanceId, processId);
      if (run?.status === 'success' && run.result) return { status: 'success', result: run.result };
      if (run?.failure) return { status: run.failure.status, failure: run.failure };
      if (Date.now() >= deadline) return undefined;
      await sleep(Math.min(100, Math.max(1, deadline - Date.now())));
    }
  }
}
