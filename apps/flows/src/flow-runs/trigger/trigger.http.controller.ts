import { Controller, Get, Headers, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import type { ErrorCode } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { FLOWS_CONFIG, type FlowsConfig } from '../../config/flows.config';
import { BODYLESS_STATUSES } from '../../engine/steps/response-step';
import { flowInputOf } from './flow-input';
import { getBodyOf } from './get-body';
import { TriggerAccess } from './trigger-access';
import { TriggerService } from './trigger.service';

/** A repeated parameter arrives as an array: see `once`. */
interface TriggerQuery {
  timeout?: string | string[];
  token?: string | string[];
  instance?: string | string[];
}

/** A query parameter the caller gave at most once; `?token=a&token=b` says two things, so 400 naming it. */
export function once<Q extends { [K in keyof Q]?: string | string[] }>(q: Q, name: keyof Q & string): string | undefined {
  const value = q[name];
  if (Array.isArray(value)) throw ApiException.validation([{ field: name, message: `${name} must be given once` }], `The ${name} parameter must be given once`);
  return value;
}

/** The incoming API: `/api/1/action/<app>/<flow>/trigger` (and the older `/api/1/action/<flow>/trigger`), and polling. */
@Controller('api/1/action')
export class TriggerHttpController {
  constructor(
    private readonly access: TriggerAccess,
    private readonly service: TriggerService,
    @Inject(FLOWS_CONFIG) private readonly config: FlowsConfig,
  ) {}

  @Get(':app/:flow/trigger')
  async getTrigger(@CurrentPrincipal() p: Principal, @Param('app') app: string, @Param('flow') flow: string, @Query() q: TriggerQuery, @Headers() h: Record<string, string>, @Req() req: FastifyRequest, @Res() res: FastifyReply) {
    return this.trigger(p, { app, name: flow }, q, h, req, res, await getBodyOf(req, this.config.FLOWS_BODY_LIMIT_BYTES));
  }

  @Post(':app/:flow/trigger')
  postTrigger(@CurrentPrincipal() p: Principal, @Param('app') app: string, @Param('flow') flow: string, @Query() q: TriggerQuery, @Headers() h: Record<string, string>, @Req() req: FastifyRequest, @Res() res: FastifyReply) {
    return this.trigger(p, { app, name: flow }, q, h, req, res);
  }

  @Get(':flow/trigger')
  async getLegacyTrigger(@CurrentPrincipal() p: Principal, @Param('flow') flow: string, @Query() q: TriggerQuery, @Headers() h: Record<string, string>, @Req() req: FastifyRequest, @Res() res: FastifyReply) {
    return this.trigger(p, { name: flow }, q, h, req, res, await getBodyOf(req, this.config.FLOWS_BODY_LIMIT_BYTES));
  }

  @Post(':flow/trigger')
  postLegacyTrigger(@CurrentPrincipal() p: Principal, @Param('flow') flow: string, @Query() q: TriggerQuery, @Headers() h: Record<string, string>, @Req() req: FastifyRequest, @Res() res: FastifyReply) {
    return this.trigger(p, { name: flow }, q, h, req, res);
  }

  @Get(':app/:flow/poll/:processId')
  poll(@CurrentPrincipal() p: Principal, @Param('app') app: string, @Param('flow') flow: string, @Param('processId') processId: string, @Query() q: TriggerQuery, @Headers() h: Record<string, string>) {
    return this.pollRun(p, { app, name: flow }, processId, q, h);
  }

  @Get(':flow/poll/:processId')
  async legacyPoll(@CurrentPrincipal() p: Principal, @Param('flow') flow: string, @Param('processId') processId: string, @Query() q: TriggerQuery, @Headers() h: Record<string, string>, @Req() req: FastifyRequest, @Res() res: FastifyReply) {
    // `<app>/poll/trigger` is the trigger of a flow named "poll" (process ids start with run_), which
    // this route's static `poll` segment would otherwise take.
    if (processId === 'trigger') return this.trigger(p, { app: flow, name: 'poll' }, q, h, req, res, await getBodyOf(req, this.config.FLOWS_BODY_LIMIT_BYTES));
    return res.send(await this.pollRun(p, { name: flow }, processId, q, h));
  }

  private async trigger(principal: Principal, target: { app?: string; name: string }, q: TriggerQuery, headers: Record<string, string>, req: FastifyRequest, res: FastifyReply, rawBody = req.body) {
    const { flow, startedBy } = await this.access.resolve(principal, { ...target, token: once(q, 'token'), instance: once(q, 'instance') ?? headers['x-tollgate-instance'] });
    const answer = await this.service.trigger({
      flow,
      principal,
      startedBy,
      input: flowInputOf(req, rawBody),
      timeout: once(q, 'timeout'),
      idempotencyKey: headers['idempotency-key'],
      clientGone: (abort) => res.raw.once('close', () => !res.raw.writableFinished && abort()),
    });
    void res.header('x-flow-process-id', answer.processId);
    const credits = answer.outcome?.credits;
    if (credits) void res.headers({ 'x-credits-cost': String(credits.cost), 'x-credits-remaining': String(credits.remaining) });
    if (answer.kind === 'accepted') {
      // The poll's answer at this moment: `running`, or the outcome of a run that finished while the caller waited.
      const done = answer.outcome;
      return res.status(202).send({
        processId: answer.processId,
        status: done?.status ?? 'running',
        ...(done?.status === 'success' ? { data: done.result.data, ...(done.result.response ? { response: done.result.response } : {}) } : {}),
        ...(done && done.status !== 'success' ? { error: { code: done.failure.code, message: done.failure.message } } : {}),
      });
    }
    const { outcome } = answer;
    if (outcome.status !== 'success') {
      const { retryAfterSeconds, errors } = outcome.failure;
      throw new ApiException(outcome.failure.code as ErrorCode, outcome.failure.message, {
        status: outcome.failure.httpStatus,
        ...(retryAfterSeconds !== undefined ? { headers: { 'retry-after': String(retryAfterSeconds) } } : {}),
        ...(errors ? { errors } : {}),
      });
    }
    const raw = outcome.result.response;
    if (!raw) return res.status(200).send({ status: 'success', processId: answer.processId, data: outcome.result.data });
    void res.status(raw.statusCode).headers(raw.headers);
    if (BODYLESS_STATUSES.has(raw.statusCode)) return res.send();
    const body = raw.body;
    if (typeof body === 'string') return res.type(raw.contentType ?? 'text/plain; charset=utf-8').send(body);
    if (body === undefined) {
      if (raw.contentType) void res.type(raw.contentType);
      return res.send();
    }
    return res.type(raw.contentType ?? 'application/json; charset=utf-8').send(JSON.stringify(body));
  }

  private async pollRun(principal: Principal, target: { app?: string; name: string }, processId: string, q: TriggerQuery, headers: Record<string, string>) {
    const run = await this.access.resolvePoll(principal, { ...target, token: once(q, 'token'), instance: once(q, 'instance') ?? headers['x-tollgate-instance'] }, processId);
    return {
      processId,
      status: run.status,
      ...(run.result ? { data: run.result.data } : {}),
      ...(run.result?.response ? { response: run.result.response } : {}),
      ...(run.failure ? { error: { code: run.failure.code, message: run.failure.message } } : {}),
      startedAt: run.startedAt,
      ...(run.finishedAt ? { finishedAt: run.finishedAt, durationMs: run.durationMs } : {}),
    };
  }
}
