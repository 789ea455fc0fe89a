import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { BatchTaskCompleted, ErrorCode, type FieldError } from '@tollgate/contracts';
import { sqlStateOf, writeNotice } from '@tollgate/event-sourcing';
import { ApiException, isUnavailableDependency } from '@tollgate/service-runtime';
import { QUERY_CONFIG, type QueryConfig } from '../config/query.config';
import { EntityCatalog } from '../entity-types/entity-catalog';
import { entityTypeStreamId } from '../entity-types/entity-type';
import { applyOperations, inBatchTransaction, type BatchCounts } from '../records/apply-operations';
import { RecordStatistics } from '../records/record-statistics';
import { validateOperations, type OperationInput } from '../records/validate-rows';
import { answerOnce, forgetExpiredIdempotencyKeys, type BatchAnswer, type BatchClaim } from './batch-idempotency';

export interface TaskView {
  status: 'pending' | 'ok' | 'error';
  taskId: string;
  entity: string;
  createdAt: string;
  finishedAt?: string;
  result?: BatchCounts;
  message?: string;
  errors?: FieldError[];
}

interface TaskRow {
  id: string;
  instance_id: string;
  entity: string;
  status: TaskView['status'];
  operations: OperationInput[] | null;
  result: BatchCounts | null;
  error: { message: string; errors?: FieldError[] } | null;
  request_id: string | null;
  created_at: Date;
  finished_at: Date | null;
}

function viewOf(t: TaskRow): TaskView {
  return {
    status: t.status,
    taskId: t.id,
    entity: t.entity,
    createdAt: t.created_at.toISOString(),
    ...(t.finished_at ? { finishedAt: t.finished_at.toISOString() } : {}),
    ...(t.result ? { result: t.result } : {}),
    ...(t.error ? { message: t.error.message, ...(t.error.errors ? { errors: t.error.errors } : {}) } : {}),
  };
}

/**
 * Asynchronous batches: persisted before the 202 answer, applied in one transaction that also
 * marks the task done, so a crash leaves the task pending with nothing written, and the next boot
 * (or the periodic sweep, on any replica) applies it. Row locks keep two workers off one task.
 */
@Injectable()
export class BatchTasks implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('batch-tasks');
  private sweeper?: NodeJS.Timeout;
  private readonly running = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: EntityCatalog,
    private readonly statistics: RecordStatistics,
    @Inject(QUERY_CONFIG) private readonly config: QueryConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.track(this.sweep());
    this.sweeper = setInterval(() => this.track(this.sweep()), this.config.TASK_SWEEP_MS);
    this.sweeper.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweeper);
    await Promise.allSettled([...this.running]);
  }

  /**
   * Stores the task and starts it; the answer is 202 with its id. With `claim` (an Idempotency-Key),
   * the key and the task are stored together, and a retry hears of the task the first call started.
   */
  async enqueue(instanceId: string, entity: string, operations: OperationInput[], requestId: string, claim?: BatchClaim): Promise<BatchAnswer> {
    const id = `task_${randomUUID()}`;
    const { answer, replayed } = await this.dataSource.transaction((em) =>
      answerOnce(em, claim, async () => {
        await em.query(
          `INSERT INTO batch_tasks (id, instance_id, entity, status, operations, request_id) VALUES ($1, $2, $3, 'pending', $4, $5)`,
          [id, instanceId, entity, JSON.stringify(operations), requestId],
        );
        return { status: 202, body: { status: 'ok', taskId: id } };
      }),
    );
    if (!replayed) this.track(this.run(id));
    return answer;
  }

  async view(instanceId: string, taskId: string): Promise<TaskView | undefined> {
    // Not the operations a pending task keeps (up to the body limit): a client polling reads only what it is shown.
    const rows: TaskRow[] = await this.dataSource.query(
      `SELECT ${VIEWED_COLUMNS} FROM batch_tasks WHERE id = $1 AND instance_id = $2`,
      [taskId, instanceId],
    );
    return rows[0] && viewOf(rows[0]);
  }

  /**
   * The instance's most recent tasks (`entities`: only those of these entities), accepted before the
   * task `before` when given (ties by id, so that pages neither repeat nor skip one); undefined when
   * `before` is no task the caller may see.
   */
  async list(
    instanceId: string,
    filter: { entity?: string; status?: string; limit: number; entities?: string[]; before?: string },
  ): Promise<TaskView[] | undefined> {
    if (filter.before !== undefined) {
      const cursor: unknown[] = await this.dataSource.query(
        `SELECT 1 FROM batch_tasks WHERE id = $1 AND instance_id = $2 AND ($3::text[] IS NULL OR entity = ANY($3))`,
        [filter.before, instanceId, filter.entities ?? null],
      );
      if (!cursor.length) return undefined;
    }
    const rows: TaskRow[] = await this.dataSource.query(
      `SELECT ${VIEWED_COLUMNS} FROM batch_tasks
        WHERE instance_id = $1 AND ($2::text IS NULL OR entity = $2) AND ($3::text IS NULL OR status = $3)
          AND ($4::text[] IS NULL OR entity = ANY($4))
          AND ($6::text IS NULL OR (created_at, id) < (SELECT created_at, id FROM batch_tasks WHERE id = $6))
        ORDER BY created_at DESC, id DESC LIMIT $5`,
      [instanceId, filter.entity ?? null, filter.status ?? null, filter.entities ?? null, filter.limit, filter.before ?? null],
    );
    return rows.map(viewOf);
  }

  /**
   * Applies every pending task nobody else holds, then forgets batches' Idempotency-Keys past their
   * day and finished tasks past TASK_RETENTION_DAYS (a bounded number a sweep, oldest first).
   */
  async sweep(): Promise<void> {
    try {
      const rows: { id: string }[] = await this.dataSource.query(
        `SELECT id FROM batch_tasks WHERE status = 'pending' ORDER BY created_at, id LIMIT 100`,
      );
      for (const { id } of rows) {
        if (this.stopping) return;
        await this.run(id);
      }
      await forgetExpiredIdempotencyKeys(this.dataSource.manager);
      await this.dataSource.query(
        `DELETE FROM batch_tasks WHERE id IN (
           SELECT id FROM batch_tasks WHERE status <> 'pending' AND finished_at < now() - make_interval(days => $1)
            ORDER BY finished_at LIMIT 10000)`,
        [this.config.TASK_RETENTION_DAYS],
      );
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'task sweep failed; retried at the next sweep');
    }
  }

  private track(work: Promise<void>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  private async run(taskId: string): Promise<void> {
    let failure: { message: string; errors?: FieldError[] } | undefined;
    let task: TaskRow | undefined;
    let waiting: TaskRow | undefined;
    try {
      const applied = await inBatchTransaction(this.dataSource, async (em): Promise<BatchCounts | undefined> => {
        const rows: TaskRow[] = await em.query(
          `SELECT * FROM batch_tasks WHERE id = $1 AND status = 'pending' FOR UPDATE SKIP LOCKED`,
          [taskId],
        );
        if (!rows[0]) return;
        // The tasks of one entity apply in the order they were accepted: a later one waits for the
        // earlier ones, whose end starts it (or the sweep does).
        if (await this.waitsForEarlier(em, rows[0])) {
          waiting = rows[0];
          return;
        }
        task = rows[0];
        const type = await this.catalog.get(task.instance_id, task.entity);
        if (!type) throw ApiException.notFound(`No entity ${task.entity}`);
        const checked = validateOperations(type, task.operations ?? []);
        if (!checked.ok) throw ApiException.validation(checked.errors, checked.message);
        const counts = await applyOperations(
          em,
          { instanceId: task.instance_id, entity: task.entity, primaryKey: type.primaryKey, taskId, requestId: task.request_id ?? undefined },
          checked.operations,
        );
        await this.finish(em, task, 'ok', { result: counts });
        return counts;
      });
      if (applied) this.statistics.committed(applied);
    } catch (error) {
      if (!task) {
        this.logger.warn({ err: (error as Error).message, taskId }, 'task could not be started; retried at the next sweep');
        return;
      }
      // The database away for the moment (a restart, a lost connection), or a deadlock or
      // serialization conflict (class 40): nothing was applied, and the task stays pending for
      // the sweep rather than failing a batch that was accepted.
      if (isUnavailableDependency(error) || sqlStateOf(error)?.startsWith('40')) {
        this.logger.warn({ err: (error as Error).message, taskId }, 'task interrupted; retried at the next sweep');
        return;
      }
      if (error instanceof ApiException && error.code !== ErrorCode.Internal) {
        failure = { message: error.message, ...(error.options.errors ? { errors: error.options.errors } : {}) };
      } else {
        this.logger.error({ err: error, taskId }, 'batch task failed');
        failure = { message: 'The batch could not be applied' };
      }
    }
    if (failure && task) {
      const failed = task;
      const error = failure;
      await this.dataSource
        .transaction(async (em) => {
          const still = await em.query(`SELECT 1 FROM batch_tasks WHERE id = $1 AND status = 'pending' FOR UPDATE SKIP LOCKED`, [taskId]);
          if (still.length) await this.finish(em, failed, 'error', { error });
        })
        .catch((e: Error) => this.logger.warn({ err: e.message, taskId }, 'task failure not recorded; retried at the next sweep'));
    }
    if (task && !this.stopping) this.track(this.runNextOf(task.instance_id, task.entity));
    // The earlier task may have ended while this one held its row to look (its end then found this
    // one locked and passed it by): looked at again now that this one's row is free.
    if (waiting && !this.stopping) {
      const stillWaiting = await this.waitsForEarlier(this.dataSource.manager, waiting).catch(() => true);
      if (!stillWaiting) await this.run(taskId);
    }
  }

  /**
   * Waits until no task of the entity accepted before this call is pending, so that a sync batch
   * applies after the async ones its caller sent first, as they are applied among themselves.
   * False when some are still pending at `deadline` (epoch ms), or once `gone()` says the caller left.
   */
  async settledBefore(instanceId: string, entity: string, deadline: number, gone: () => boolean = () => false): Promise<boolean> {
    let since: Date | null = null;
    for (;;) {
      const [row]: { now: Date; pending: boolean }[] = await this.dataSource.query(
        `SELECT now() AS now, EXISTS (SELECT 1 FROM batch_tasks WHERE instance_id = $1 AND entity = $2 AND status = 'pending'
                                        AND created_at <= coalesce($3::timestamptz, now())) AS pending`,
        [instanceId, entity, since],
      );
      if (!row.pending) return true;
      // The first of them may be waiting for the sweep (left by a stop, or by a replica that went):
      // started here now, as its predecessor's end would have. A task running elsewhere is skipped.
      if (!since && !this.stopping) this.track(this.runNextOf(instanceId, entity));
      since ??= row.now;
      if (gone() || Date.now() + SETTLE_POLL_MS >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    }
  }

  /** Whether an earlier task of the same entity is still pending. */
  private async waitsForEarlier(em: EntityManager, task: TaskRow): Promise<boolean> {
    const earlier: unknown[] = await em.query(
      `SELECT 1 FROM batch_tasks o WHERE o.instance_id = $2 AND o.entity = $3 AND o.status = 'pending'
          AND (o.created_at, o.id) < (SELECT created_at, id FROM batch_tasks WHERE id = $1) LIMIT 1`,
      [task.id, task.instance_id, task.entity],
    );
    return earlier.length > 0;
  }

  /** Starts the oldest pending task of the entity, the one that waited for the task just ended. */
  private async runNextOf(instanceId: string, entity: string): Promise<void> {
    try {
      const [next]: { id: string }[] = await this.dataSource.query(
        `SELECT id FROM batch_tasks WHERE instance_id = $1 AND entity = $2 AND status = 'pending' ORDER BY created_at, id LIMIT 1`,
        [instanceId, entity],
      );
      if (next) await this.run(next.id);
    } catch (error) {
      this.logger.warn({ err: (error as Error).message, entity }, 'next task not started; the sweep starts it');
    }
  }

  private async finish(
    em: EntityManager,
    task: TaskRow,
    status: 'ok' | 'error',
    outcome: { result?: BatchCounts; error?: { message: string; errors?: FieldError[] } },
  ): Promise<void> {
    await em.query(
      `UPDATE batch_tasks SET status = $2, result = $3, error = $4, operations = NULL, finished_at = now() WHERE id = $1`,
      [task.id, status, outcome.result ? JSON.stringify(outcome.result) : null, outcome.error ? JSON.stringify(outcome.error) : null],
    );
    // Keyed by the entity, like the task's RecordsChanged: in the same partition, right after them.
    await writeNotice(em, BatchTaskCompleted, {
      instanceId: task.instance_id,
      aggregateId: entityTypeStreamId(task.instance_id, task.entity),
      correlationId: task.request_id ?? undefined,
      data: { taskId: task.id, entity: task.entity, status, ...(outcome.error ? { error: outcome.error.message } : {}) },
    });
  }
}

/** How often a sync batch looks again whether the async tasks before it have been applied. */
const SETTLE_POLL_MS = 50;

/** What a task's view is made of (`viewOf`). */
const VIEWED_COLUMNS = 'id, instance_id, entity, status, result, error, request_id, created_at, finished_at';
