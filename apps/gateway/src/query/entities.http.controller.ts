import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { AggregateDto, BatchDto, DefineEntityTypeDto, ListTasksQueryDto } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { Authenticated } from '../auth/authenticated.decorator';
import { queryString } from '../downstream/query-string';
import { ApiErrors, Metered } from '../openapi/api-errors';
import { EntityCatalogue } from './entity-catalogue';
import { nonFiniteNumberErrors } from './non-finite-numbers';
import { QueryForwarding } from './query-forwarding';
import { AggregateAnswerDoc, BatchAcceptedDoc, BatchDoneDoc, DefinedEntityTypeDoc, EntityListDoc, TaskDoc, TaskListDoc } from './query-answers.doc';

const NAME = /^[a-z][a-z0-9_]*$/;

function assertWriter(principal: Principal): void {
  if (principal.kind === 'data') throw ApiException.forbidden('Data keys are read-only');
}

function assertName(name: string): void {
  if (!NAME.test(name)) throw ApiException.notFound(`No entity ${name}`);
}

@ApiTags('query')
@Controller('api/v1')
export class EntitiesHttpController {
  constructor(
    private readonly forwarding: QueryForwarding,
    private readonly catalogue: EntityCatalogue,
  ) {}

  @Get('entities')
  @Authenticated()
  @ApiOperation({ summary: 'Entity types with their fields and record counts (free)' })
  @ApiOkResponse({ type: EntityListDoc })
  async list(@CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.forwarding.free(request, reply, principal, { method: 'GET', path: '/api/v1/entities' });
  }

  @Post('entities')
  @Authenticated({ scopes: ['ingest', 'admin'] })
  @ApiOperation({ summary: 'Defines an entity type, or adds fields to one (201 when new, 200 otherwise)' })
  @ApiCreatedResponse({ type: DefinedEntityTypeDoc, description: 'a new entity type' })
  @ApiOkResponse({ type: DefinedEntityTypeDoc, description: 'fields added to an existing one' })
  async define(
    @Body() body: DefineEntityTypeDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    assertWriter(principal);
    const status = await this.forwarding.free(request, reply, principal, { method: 'POST', path: '/api/v1/entities', body });
    // Queries through this gateway see the type and its fields at once, before its event arrives.
    if (status < 300) this.catalogue.defined(principal.instanceId, body.name, body.fields);
  }

  @Post('entities/:name/batch')
  @Authenticated({ scopes: ['ingest', 'admin'] })
  @ApiOperation({
    summary: 'insert / insertOrUpdate / delete, in order, all or nothing; async: true answers 202 with a task id (one entity\'s tasks apply in the order accepted; a sync batch after the tasks accepted before it)',
    description:
      'A row that gives a record an `id` another record of the entity holds (or that another row of the operation gives to another record) refuses the whole call with 400 naming the row: `id` is unique per entity, whatever its primary key. ' +
      'A sync call still running after the query service\'s `BATCH_SYNC_TIMEOUT_MS` (25 s) is rolled back and answered 504 `timeout`: nothing was written; send large batches with `async: true`.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'the same key with the same body within 24 h (per entity) answers as the call that was applied (the same counts, or the same task) and applies nothing again; with another body, 409 `idempotency_key_reused`. A call that was refused kept nothing: sent again, it is judged again',
  })
  @ApiOkResponse({ type: BatchDoneDoc, description: 'applied: what changed' })
  @ApiErrors(409, 504)
  @ApiAcceptedResponse({ type: BatchAcceptedDoc, description: '`async: true`: see `GET /api/v1/tasks/{taskId}`' })
  async batch(
    @Param('name') name: string,
    @Body() body: BatchDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    assertWriter(principal);
    assertName(name);
    const unwritable = nonFiniteNumberErrors(body.operations, 'operations');
    if (unwritable.length) throw ApiException.validation(unwritable);
    const idempotencyKey = request.headers['idempotency-key'];
    await this.forwarding.free(request, reply, principal, {
      method: 'POST',
      path: `/api/v1/entities/${name}/batch`,
      body,
      ...(idempotencyKey === undefined ? {} : { headers: { 'idempotency-key': String(idempotencyKey) } }),
    });
  }

  @Get('tasks')
  @Authenticated()
  @ApiOperation({
    summary:
      'The instance\'s most recent asynchronous batches, newest first, as `GET /api/v1/tasks/{taskId}` shows each (a data key: those of its entities); a page\'s `next` is the `before` of the following one',
  })
  @ApiOkResponse({ type: TaskListDoc })
  async tasks(
    @Query() { entity, status, limit, before }: ListTasksQueryDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.forwarding.free(request, reply, principal, { method: 'GET', path: `/api/v1/tasks${queryString({ entity, status, limit, before })}` });
  }

  @Get('tasks/:taskId')
  @Authenticated()
  @ApiOperation({ summary: 'Status of an asynchronous batch: pending, ok (with counts) or error (with details)' })
  @ApiOkResponse({ type: TaskDoc })
  async task(
    @Param('taskId') taskId: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(taskId)) throw ApiException.notFound(`No task ${taskId}`);
    await this.forwarding.free(request, reply, principal, { method: 'GET', path: `/api/v1/tasks/${taskId}` });
  }

  @Post('entities/:name/aggregate')
  @Authenticated({ scopes: ['query'] })
  @Metered('1')
  @ApiOperation({ summary: 'select / group_by / where / order_by / limit over one entity; at most 20,000 rows (capped); one credit' })
  @ApiOkResponse({ type: AggregateAnswerDoc })
  async aggregate(
    @Param('name') name: string,
    @Body() body: AggregateDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    assertName(name);
    await this.forwarding.refuseUnservable(principal, [name], String(request.id), { asPath: true, aggregate: body });
    await this.forwarding.metered(request, reply, principal, [name], { method: 'POST', path: `/api/v1/entities/${name}/aggregate`, body });
  }
}
