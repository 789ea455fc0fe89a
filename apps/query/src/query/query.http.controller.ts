import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { ApiException } from '@tollgate/service-runtime';
import { QUERY_CONFIG, type QueryConfig } from '../config/query.config';
import type { QueryMeta } from './format-writer';
import { parseQuery, splitExtension } from './parse-query';
import type { QueryFormat } from './query-plan';
import { QueryExecutor } from './query-executor';

/** The gateway tells the service what it charged, for the body's meta. */
export const CREDITS_COST_HEADER = 'x-tollgate-credits-cost';
export const CREDITS_REMAINING_HEADER = 'x-tollgate-credits-remaining';

function metaOf(request: FastifyRequest, entities: number): QueryMeta {
  const cost = Number(request.headers[CREDITS_COST_HEADER]);
  const remaining = request.headers[CREDITS_REMAINING_HEADER];
  return {
    cost: Number.isInteger(cost) ? cost : entities,
    remaining: remaining !== undefined && /^-?\d+$/.test(String(remaining)) ? Number(remaining) : null,
  };
}

@Controller('api/v1')
export class QueryHttpController {
  constructor(
    private readonly executor: QueryExecutor,
    @Inject(QUERY_CONFIG) private readonly config: QueryConfig,
  ) {}

  @Get(['query', 'query.json', 'query.csv', 'query.xml'])
  async query(
    @Query() params: Record<string, unknown>,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const ext = /\/query\.(json|csv|xml)(?:\?|$)/.exec(request.url)?.[1] as QueryFormat | undefined;
    await this.answer(params, { extension: ext }, principal, request, reply);
  }

  @Get('entities/:name')
  async entity(
    @Param('name') name: string,
    @Query() params: Record<string, unknown>,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const target = splitExtension(name);
    if (!target) throw ApiException.notFound(`No entity ${name}`);
    await this.answer(params, target, principal, request, reply);
  }

  private async answer(
    params: Record<string, unknown>,
    target: { entity?: string; extension?: QueryFormat },
    principal: Principal,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const parsed = parseQuery({ ...params }, { ...target, maxTimeoutMs: this.config.QUERY_TIMEOUT_MS });
    if (!parsed.ok) throw ApiException.validation(parsed.errors);
    const reads = await this.executor.prepare(principal, parsed.plan, { asPath: target.entity !== undefined });
    const { contentType, body } = await this.executor.execute(principal, parsed.plan, reads, metaOf(request, reads.length));
    await reply.status(200).header('content-type', contentType).send(body);
  }
}
