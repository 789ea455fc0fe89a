import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '@tollgate/auth';
import { dayRangeErrors, ErrorCode, MAX_ENTITIES_PER_QUERY, unknownEntityErrors, type AggregateDto, type FieldError } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { hangUpOnStalledClient } from './client-stall';
import { refuseHead } from '../downstream/safe-methods';
import { ServiceClients } from '../downstream/service-clients';
import type { DownstreamRequest, DownstreamResponse } from '../downstream/service-client';
import { MeteringService, chargeIdFor, creditHeaders, type Charge } from '../metering/metering.service';
import { EntityCatalogue } from './entity-catalogue';
import { listOf, type EntityQueryParamsDto } from './query-params.dto';

/** What the query service puts in a body's `meta` (it does not know the balance itself). */
const META_COST = 'x-tollgate-credits-cost';
const META_REMAINING = 'x-tollgate-credits-remaining';
const PASSED_HEADERS = ['content-type', 'content-disposition', 'retry-after'];
/**
 * Answers the service sent whole, with a length, up to this size are read whole and sent the same
 * way: one write to the client instead of a chunked stream's two or more. Longer or streamed
 * answers (exports) pass through as they come, so memory stays flat.
 */
const WHOLE_UP_TO_BYTES = 64 * 1024;

/** The answer's body as it goes on: whole when it is small and has a length, else the stream itself. */
async function bodyToSend(res: DownstreamResponse): Promise<Buffer | DownstreamResponse['body']> {
  const length = Number(res.headers['content-length']);
  return Number.isInteger(length) && length <= WHOLE_UP_TO_BYTES ? Buffer.from(await res.body.arrayBuffer()) : res.body;
}

/**
 * The metered path: refuse what cannot be served before charging (data-key list, unknown entities
 * and fields), charge one credit per entity (every request: a repeated X-Request-Id is charged
 * again), forward with the signed principal, and stream the answer through untouched. Work that
 * fails downstream (an error status, or an answer the service breaks off) is refunded; an answer
 * the client stops reading is not.
 */
@Injectable()
export class QueryForwarding {
  constructor(
    private readonly clients: ServiceClients,
    private readonly metering: MeteringService,
    private readonly catalogue: EntityCatalogue,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /**
   * Refuses a records query before anything is charged: more entities than one query may read, a
   * field `display` lists twice, what the parameters cannot mean for this caller (`mine=true`
   * without a personal key, a `timeout` above the query service's limit), then what
   * `refuseUnservable` refuses. `forUrl`: the query builder checks a URL its caller will
   * send with a key of its own; a console session's user will send their personal key. `asPath`:
   * the entity is the URL's path, so an unknown one is not found (404).
   */
  async refuseQuery(
    principal: Principal,
    entities: string[],
    requestId: string,
    params: EntityQueryParamsDto,
    options: { forUrl?: boolean; asPath?: boolean } = {},
  ): Promise<void> {
    const forUrl = options.forUrl ?? false;
    const errors: FieldError[] = [];
    // Said before charging: an instance whose pool cannot pay for 51 entities would hear 429.
    if (entities.length > MAX_ENTITIES_PER_QUERY) errors.push({ field: 'entities', message: `at most ${MAX_ENTITIES_PER_QUERY} entities` });
    // null as if absent: a query builder body may say "display": null.
    const display = params.display == null ? [] : listOf(params.display);
    if (new Set(display).size !== display.length) errors.push({ field: 'display', message: 'a field is listed twice' });
    const userBound = principal.kind === 'personal' || (forUrl && principal.kind === 'session');
    if (params.mine === 'true' && !userBound) errors.push({ field: 'mine', message: 'mine=true needs a personal key' });
    if (params.timeout !== undefined && Number(params.timeout) > this.config.QUERY_TIMEOUT_MS) {
      errors.push({ field: 'timeout', message: `timeout must be between 1 and ${this.config.QUERY_TIMEOUT_MS} ms` });
    }
    errors.push(...dayRangeErrors(params)); // a period the wrong way round, which the DTO cannot see
    if (errors.length) throw ApiException.validation(errors);
    await this.refuseUnservable(principal, entities, requestId, { display: params.display, asPath: options.asPath });
  }

  /**
   * Refuses, before anything is charged: entities outside a data key's list (403), unknown entities
   * (400, or 404 when the entity is the path), `display` fields none of the entities has, and an
   * aggregate request that does not fit its entity's fields (400).
   */
  async refuseUnservable(
    principal: Principal,
    entities: string[],
    requestId: string,
    options: { asPath?: boolean; display?: string; aggregate?: AggregateDto } = {},
  ): Promise<void> {
    if (principal.kind === 'data') {
      const allowed = new Set(principal.entities ?? []);
      const refused = entities.filter((e) => !allowed.has(e));
      if (refused.length) throw ApiException.forbidden(`This key may not read ${refused.join(', ')}`);
    }
    const unknown = await this.catalogue.unknown(principal.instanceId, entities, requestId);
    if (unknown.length && options.asPath) throw ApiException.notFound(`No entity ${unknown[0]}`);
    if (unknown.length) throw ApiException.validation(unknownEntityErrors(unknown));
    if (options.display != null) {
      const missing = await this.catalogue.unknownFields(principal.instanceId, entities, listOf(options.display), requestId);
      if (missing.length) throw ApiException.validation(missing.map((d) => ({ field: 'display', message: `unknown field ${d}` })));
    }
    if (options.aggregate) {
      const errors = await this.catalogue.aggregateErrors(principal.instanceId, entities[0], options.aggregate, requestId);
      if (errors.length) throw ApiException.validation(errors);
    }
  }

  async metered(
    request: FastifyRequest,
    reply: FastifyReply,
    principal: Principal,
    entities: string[],
    downstream: Omit<DownstreamRequest, 'principal' | 'requestId'>,
  ): Promise<void> {
    refuseHead(request, downstream.method);
    const requestId = String(request.id);
    const charge = await this.metering.charge({
      principal,
      requestId: chargeIdFor(request),
      correlationId: String(request.id),
      cost: entities.length,
      entities,
    });
    let res;
    try {
      res = await this.clients.query.request({
        ...downstream,
        principal,
        requestId,
        headers: { [META_COST]: String(charge.cost), [META_REMAINING]: String(charge.remaining) },
      });
    } catch (error) {
      await this.refund(charge, reply);
      throw error;
    }
    if (res.status >= 400) {
      await this.refund(charge, reply);
      this.copyHeaders(res.headers, reply);
      await reply.status(res.status).send(res.body);
      return;
    }
    let body: Awaited<ReturnType<typeof bodyToSend>>;
    try {
      body = await bodyToSend(res);
    } catch {
      await this.refund(charge, reply);
      throw new ApiException(ErrorCode.Unavailable, 'The query service broke off its answer');
    }
    if (body === res.body) {
      this.refundIfCutShort(res.body, reply, charge);
      hangUpOnStalledClient(reply.raw, Math.floor((this.config.QUERY_STREAM_STALL_MS * 2) / 3));
    }
    this.copyHeaders(res.headers, reply);
    await reply.status(res.status).headers(creditHeaders(charge)).send(body);
  }

  /** Forwards a request that costs nothing; resolves to the status the service answered. */
  async free(request: FastifyRequest, reply: FastifyReply, principal: Principal, downstream: Omit<DownstreamRequest, 'principal' | 'requestId'>): Promise<number> {
    const res = await this.clients.query.request({ ...downstream, principal, requestId: String(request.id) });
    this.copyHeaders(res.headers, reply);
    await reply.status(res.status).send(await bodyToSend(res));
    return res.status;
  }

  /**
   * A streamed answer that the query service breaks off is refunded. One the client stops reading
   * is not: what it read was served, and a client that hung up before the last byte would
   * otherwise get any export for free. When the client goes, its connection closes first and the
   * stream is destroyed after it; when the service fails, the stream errs while the client is
   * still connected. A client that stops reading without going is hung up on before the service
   * would end the stream for it (`hangUpOnStalledClient`), so that counts as leaving too.
   */
  private refundIfCutShort(stream: DownstreamResponse['body'], reply: FastifyReply, charge: Charge): void {
    let clientLeft = false;
    reply.raw.once('close', () => (clientLeft = !reply.raw.writableFinished));
    stream.once('error', () => {
      if (!clientLeft) void charge.refund();
    });
  }

  private copyHeaders(headers: Record<string, string | string[] | undefined>, reply: FastifyReply): void {
    for (const name of PASSED_HEADERS) {
      const value = headers[name];
      if (value !== undefined) void reply.header(name, value);
    }
  }

  /**
   * Gives the charge back (now, or as soon as credits takes it), and says so in the answer, whoever
   * writes it: the service's error passed on, or the gateway's own (the service unreachable, too
   * slow, or breaking off).
   */
  private async refund(charge: Charge, reply: FastifyReply): Promise<void> {
    // What credits says remains (other requests spent meanwhile; a refund after midnight or a
    // lowered plan gives the pool less back); a guess only while credits has not taken it yet.
    const remaining = await charge.refund();
    void reply.headers(creditHeaders({ cost: 0, remaining: remaining ?? charge.remaining + charge.cost }));
  }
}
