import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '@tollgate/auth';
import { ErrorCode } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { FLOWS_CONFIG, type FlowsConfig } from '../../config/flows.config';
import type { FlowDefinition } from '../../flows/flow-definition';
import { RunCoordinator } from '../run-coordinator';
import type { FlowInput } from '../run-message';
import type { RunOutcome } from '../run-outcome';
import { AbortReason } from '../run-outcome';
import { RunStore } from '../run-store';

export type TriggerAnswer = { kind: 'accepted'; processId: string; status: string } | { kind: 'outcome'; processId: string; outcome: RunOutcome };

/** Timeout order (API.md): the URL's `timeout`, then the flow's `timeoutMs`, then the default for its mode. */
export function effectiveTimeout(config: FlowsConfig, flow: FlowDefinition, fromUrl?: string): number {
  let chosen: number | undefined;
  if (fromUrl !== undefined && fromUrl !== '') {
    const parsed = Number(fromUrl);
    if (!Number.isInteger(parsed) || parsed < 1) throw ApiException.validation([{ field: 'timeout', message: 'timeout must be a positive number of milliseconds' }]);
    chosen = parsed;
  }
  chosen ??= flow.timeoutMs ?? (flow.mode === 'sync' ? config.FLOWS_DEFAULT_SYNC_TIMEOUT_MS : config.FLOWS_ASYNC_RUN_MAX_MS);
  return Math.min(chosen, flow.mode === 'sync' ? config.FLOWS_MAX_TIMEOUT_MS : config.FLOWS_ASYNC_RUN_MAX_MS);
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
    if (req.idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(req.idempotencyKey)) {
      throw ApiException.validation([{ field: 'Idempotency-Key', message: 'must be 1-200 visible ASCII characters' }]);
    }
    const timeoutMs = effectiveTimeout(this.config, flow, req.timeout);
    const started = await this.coordinator.start({
      flow,
      input: req.input,
      startedBy: req.startedBy,
      timeoutMs,
      idempotencyKey: req.idempotencyKey,
      requestId: req.principal.requestId,
    });
    if (flow.mode === 'async') {
      const status = started.replayed ? ((await this.runs.get(flow.instanceId, started.processId))?.status ?? 'running') : 'running';
      return { kind: 'accepted', processId: started.processId, status };
    }
    if (started.run) {
      const run = started.run;
      if (!started.replayed) req.clientGone(() => run.controller.abort(new AbortReason('client-gone', 'The caller went away')));
      return { kind: 'outcome', processId: started.processId, outcome: await run.done };
    }
    return { kind: 'outcome', processId: started.processId, outcome: await this.awaitStored(flow.instanceId, started.processId, timeoutMs) };
  }

  /** A replayed sync call whose run another process executes: wait for its recorded outcome. */
  private async awaitStored(instanceId: string, processId: string, timeoutMs: number): Promise<RunOutcome> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await this.runs.get(instanceId, processId);
      if (run?.status === 'success' && run.result) return { status: 'success', result: run.result };
      if (run?.failure) return { status: run.failure.status, failure: run.failure };
      if (Date.now() > deadline) throw new ApiException(ErrorCode.Timeout, 'The earlier run with this Idempotency-Key is still running');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
