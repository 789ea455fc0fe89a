import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { FlowDefined, type FlowDefinedV1 } from '@tollgate/contracts';
import { EventStore } from '@tollgate/event-sourcing';
import { FLOWS_CONFIG, type FlowsConfig } from '../config/flows.config';
import type { FlowDefinition } from '../flows/flow-definition';
import { FlowRepository } from '../flows/flow-repository';
import type { RunMessage } from './run-message';
import { RunCoordinator } from './run-coordinator';
import { RunStore, type ClaimedRun } from './run-store';

/** Expired idempotency keys are looked for this often, and deleted this many per statement. */
const FORGET_KEYS_EVERY_MS = 10 * 60_000;
const FORGET_KEYS_BATCH = 5_000;

/**
 * Keeps this process's leases fresh and takes over runs whose process stopped renewing theirs:
 * an async run is started again from its first step (at most FLOWS_RESUME_ATTEMPTS times), a sync
 * run, whose caller is gone, is marked failed with the reason. No run stays `running` for ever.
 * Also forgets trigger idempotency keys past their day.
 */
@Injectable()
export class RunRecovery implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('run-recovery');
  private timers: NodeJS.Timeout[] = [];
  private sweeping = false;

  constructor(
    private readonly coordinator: RunCoordinator,
    private readonly runs: RunStore,
    private readonly flows: FlowRepository,
    private readonly store: EventStore,
    private readonly dataSource: DataSource,
    @Inject(FLOWS_CONFIG) private readonly config: FlowsConfig,
  ) {}

  onApplicationBootstrap(): void {
    const lease = this.config.FLOWS_RUN_LEASE_MS;
    this.timers = [
      setInterval(() => void this.runs.renewLeases(this.coordinator.owner, lease).catch(() => undefined), Math.max(50, lease / 3)),
      setInterval(() => void this.sweep(), Math.max(100, lease / 2)),
      setInterval(() => void this.forgetExpiredKeys(), FORGET_KEYS_EVERY_MS),
    ];
    void this.sweep();
    void this.forgetExpiredKeys();
  }

  /** Drops expired idempotency keys, a batch at a time, so the table holds about a day of them. */
  async forgetExpiredKeys(): Promise<number> {
    let forgotten = 0;
    try {
      for (let batch = 0; batch < 100; batch++) {
        const n = await this.runs.forgetExpiredIdempotencyKeys(FORGET_KEYS_BATCH);
        forgotten += n;
        if (n < FORGET_KEYS_BATCH) break;
      }
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'forgetting expired idempotency keys failed');
    }
    return forgotten;
  }

  onApplicationShutdown(): void {
    for (const t of this.timers) clearInterval(t);
  }

  async sweep(): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    try {
      const claimed = await this.runs.claimAbandoned(this.coordinator.owner, this.config.FLOWS_RUN_LEASE_MS);
      for (const run of claimed) {
        await this.takeOver(run).catch(async (error) => {
          this.logger.error({ err: error, processId: run.processId }, 'recovery failed; the run is given back for the next sweep');
          await this.runs.releaseClaim(this.coordinator.owner, run.processId).catch(() => undefined);
        });
      }
      return claimed.length;
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'recovery sweep failed');
      return 0;
    } finally {
      this.sweeping = false;
    }
  }

  /**
   * The definition a run started with: a flow redefined since then would otherwise resume the run
   * with steps it never had, and a deleted one would leave its charges unknown. Read from the
   * flow's events (they keep every version, unredacted, deleted flows' included).
   */
  private async definitionAt(run: ClaimedRun, current: FlowDefinition | undefined): Promise<FlowDefinition | undefined> {
    const events = (await this.store.readStream(this.dataSource.manager, run.flowId)).filter((e) => e.instanceId === run.instanceId);
    const defined = events.filter((e) => e.type === FlowDefined.type && Date.parse(e.occurredAt) <= run.startedAt.getTime()).at(-1);
    if (!defined) return current;
    if (defined.sequence === current?.version) return current;
    const d = defined.data as unknown as FlowDefinedV1;
    return {
      flowId: run.flowId,
      instanceId: run.instanceId,
      app: d.app,
      name: d.name,
      description: d.description ?? '',
      mode: d.mode,
      ...(d.timeoutMs !== undefined ? { timeoutMs: d.timeoutMs } : {}),
      allowAnonymous: d.allowAnonymous ?? false,
      groups: d.groups ?? [],
      steps: (d.steps ?? []) as FlowDefinition['steps'],
      version: defined.sequence,
      createdAt: current?.createdAt ?? events[0].occurredAt,
      updatedAt: defined.occurredAt,
    };
  }

  private async takeOver(run: ClaimedRun): Promise<void> {
    const record = await this.runs.get(run.instanceId, run.processId);
    const messages: RunMessage[] = record?.messages ?? [];
    const current = await this.flows.byId(run.instanceId, run.flowId);
    const flow = await this.definitionAt(run, current);
    const fail = (message: string) =>
      this.coordinator.finish(run.instanceId, run.processId, { status: 'failed', failure: { status: 'failed', httpStatus: 500, code: 'internal_error', message } }, messages, run.startedAt.getTime());
    const resumes = run.attempts - 1;
    // Ended for good: its charges go back and its Idempotency-Key is free for the call the client meant.
    const end = async (message: string) => {
      if (flow) await this.coordinator.refundSteps(flow, run.processId);
      await fail(message);
      await this.runs.releaseIdempotencyKeyOf(run.instanceId, run.flowId, run.processId);
    };
    if (!flow || !current) return end('Interrupted by a restart of the flows service; the flow no longer exists');
    if (run.mode === 'sync') return end('Interrupted by a restart of the flows service while the caller waited');
    if (resumes > this.config.FLOWS_RESUME_ATTEMPTS) return end(`Interrupted by restarts of the flows service ${resumes} times; not resumed again`);
    const since = flow.version === current.version ? '' : ` with the definition it started with (version ${flow.version}; the flow is now at version ${current.version})`;
    messages.push({ at: new Date().toISOString(), level: 'info', text: `Resumed from the first step after a restart of the flows service${since} (attempt ${run.attempts})` });
    this.logger.log({ processId: run.processId }, 'resuming an interrupted run');
    this.coordinator.execute(flow, run.processId, run.input, run.timeoutMs, run.startedAt.getTime(), messages);
  }
}
