import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { ErrorCode } from '@tollgate/contracts';
import { ApiException, idempotencyKeyOf } from '@tollgate/service-runtime';
import { QUERY_CONFIG, type QueryConfig } from '../config/query.config';
import { EntityCatalog } from '../entity-types/entity-catalog';
import { assertMayWrite, mayRead } from '../records/access';
import { applyOperations, inBatchTransaction, type BatchCounts } from '../records/apply-operations';
import { RecordStatistics } from '../records/record-statistics';
import { validateOperations } from '../records/validate-rows';
import { BatchDto, ListTasksQueryDto } from '@tollgate/contracts';
import { answerOnce, fingerprintOf, type BatchClaim } from './batch-idempotency';
import { BatchTasks } from './batch-tasks';

/** Tasks `GET /api/v1/tasks` lists when no `limit` is given. */
const DEFAULT_LISTED_TASKS = 20;

@Controller('api/v1')
export class BatchHttpController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: EntityCatalog,
    private readonly tasks: BatchTasks,
    private readonly statistics: RecordStatistics,
    @Inject(QUERY_CONFIG) private readonly config: QueryConfig,
  ) {}

  @Post('entities/:name/batch')
  async batch(
    @Param('name') name: string,
    @Body() body: BatchDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    assertMayWrite(principal);
    const type = await this.catalog.get(principal.instanceId, name);
    if (!type) throw ApiException.notFound(`No entity ${name}`);
    const rows = body.operations.reduce((n, op) => n + op.rows.length, 0);
    if (rows > this.config.BATCH_MAX_ROWS) {
      throw new ApiException(ErrorCode.PayloadTooLarge, `A batch may carry at most ${this.config.BATCH_MAX_ROWS} rows (got ${rows})`);
    }
    const checked = validateOperations(type, body.operations);
    if (!checked.ok) throw ApiException.validation(checked.errors, checked.message);
    const requestId = String(request.id);
    const key = idempotencyKeyOf(request.headers['idempotency-key']);
    const claim: BatchClaim | undefined = key === undefined ? undefined : { instanceId: principal.instanceId, entity: name, key, fingerprint: fingerprintOf(body) };

    if (body.async) {
      const answer = await this.tasks.enqueue(principal.instanceId, name, body.operations, requestId, claim);
      void reply.status(answer.status);
      return answer.body;
    }
    // After the async batches of the entity accepted before it, within the same time limit.
    const deadline = Date.now() + this.config.BATCH_SYNC_TIMEOUT_MS;
    if (!(await this.tasks.settledBefore(principal.instanceId, name, deadline, () => request.raw.socket.destroyed))) {
      throw new ApiException(
        ErrorCode.Unavailable,
        `Async batches of ${name} sent before this one were still being applied after ${this.config.BATCH_SYNC_TIMEOUT_MS} ms: nothing was written. Send it again later, or with "async": true`,
        { headers: { 'Retry-After': '5' } },
      );
    }
    // A retry with the key of a call that was applied hears that call's answer; nothing is applied again.
    let applied: BatchCounts | undefined;
    const { answer } = await inBatchTransaction(
      this.dataSource,
      (em) => {
        applied = undefined; // an attempt run again starts afresh
        return answerOnce(em, claim, async () => {
          applied = await applyOperations(em, { instanceId: principal.instanceId, entity: name, primaryKey: type.primaryKey, requestId }, checked.operations);
          return { status: 200, body: { status: 'ok', ...applied } };
        });
      },
      { timeoutMs: this.config.BATCH_SYNC_TIMEOUT_MS, deadline },
    );
    if (applied) this.statistics.committed(applied);
    void reply.status(answer.status);
    return answer.body;
  }

  @Get('tasks')
  async tasksOf(@Query() params: ListTasksQueryDto, @CurrentPrincipal() principal: Principal) {
    const limit = params.limit ?? DEFAULT_LISTED_TASKS;
    // One more than asked tells whether older tasks are left.
    const page = await this.tasks.list(principal.instanceId, {
      entity: params.entity,
      status: params.status,
      limit: limit + 1,
      before: params.before,
      // A data key sees the tasks of its entities only, as it sees their records.
      ...(principal.kind === 'data' ? { entities: principal.entities ?? [] } : {}),
    });
    if (!page) throw ApiException.validation([{ field: 'before', message: 'before must be one of the tasks listed to this caller' }]);
    const tasks = page.slice(0, limit);
    return { status: 'ok', tasks, ...(page.length > limit ? { next: tasks[tasks.length - 1].taskId } : {}) };
  }

  @Get('tasks/:taskId')
  async task(@Param('taskId') taskId: string, @CurrentPrincipal() principal: Principal) {
    const view = await this.tasks.view(principal.instanceId, taskId);
    // A data key's view of the instance stops at its entities: another's task is as unknown to it
    // as another instance's.
    if (!view || !mayRead(principal, view.entity)) throw ApiException.notFound(`No task ${taskId}`);
    return view;
  }
}
