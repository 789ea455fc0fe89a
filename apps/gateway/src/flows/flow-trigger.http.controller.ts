import { applyDecorators, Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { BEARER_CHALLENGE, challengesOf, RefusesHead } from '@tollgate/service-runtime';
import { Authenticated } from '../auth/authenticated.decorator';
import { ApiErrors, Metered } from '../openapi/api-errors';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { refuseHead } from '../downstream/safe-methods';
import { ServiceClients } from '../downstream/service-clients';
import { AcceptedRunDoc, PollDoc, TriggerResultDoc } from './flow.dto';
import { forwardedHeaders, getBodyOf, originalUrl, rawBodyOf } from './trigger-forwarding';
import { AnyQueryParameters } from '../conventions/undeclared-parameters.guard';

/**
 * What the flows service's answer does not pass on: hop-by-hop headers, those the gateway sets
 * itself (framing, date, request id, internal ones), and cookies, because the gateway's origin is
 * shared by every instance. Everything else a `response` step set reaches the caller; X-Credits-*
 * come from the flows service, which a `response` step cannot set them through.
 */
const NOT_PASSED_BACK = /^(connection|keep-alive|proxy-connection|transfer-encoding|te|trailer|upgrade|content-length|date|x-request-id|x-tollgate-[\w-]+|set-cookie|service-worker-allowed|clear-site-data|strict-transport-security|alt-svc)$/i;

/**
 * The gateway's origin is every instance's: the console keeps its session there. A page a flow
 * answers with (any instance's flow, anonymous ones included) runs sandboxed, as an origin of its
 * own: its scripts reach neither the console's storage nor the gateway's API as the console, and
 * register no service worker over the origin (nor may a flow widen one's scope). A policy the flow
 * sets itself still applies beside it; two policies only ever restrict.
 */
export const FLOW_ANSWER_POLICY = 'sandbox allow-scripts allow-forms allow-popups allow-downloads';
const POLICY_HEADER = 'content-security-policy';
const BODYLESS_STATUSES = new Set([204, 304]);

/**
 * The incoming API. Anonymous calls get through authentication; whether the flow accepts them,
 * a webhook token, or the key's scope and groups is the flows service's decision.
 */
/** Who the caller is when no key says it: a trigger's and a poll's URL carry them alike. */
const CallerParams = () =>
  applyDecorators(
    ApiQuery({ name: 'token', required: false, type: String, description: "The flow's webhook token" }),
    ApiQuery({ name: 'instance', required: false, type: String, description: 'Anonymous calls: the instance the flow belongs to' }),
  );

/**
 * What every trigger route takes and answers (both paths, GET and POST). A GET carries a body too
 * (within the limit, 413 beyond). Each `query` step the run reaches is charged like a query.
 */
const TriggerDocs = () =>
  applyDecorators(
    ApiQuery({ name: 'timeout', required: false, type: 'integer', description: 'ms; overrides the flow timeout' }),
    CallerParams(),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'the same key with the same body within 24 h answers with the same run; with another body, 409 `idempotency_key_reused`',
    }),
    ApiOkResponse({ type: TriggerResultDoc, description: 'sync: the outputs, unless a `response` step set its own answer (any type)' }),
    ApiAcceptedResponse({ type: AcceptedRunDoc, description: 'async: the run started' }),
    Metered("one credit per `query` step the run reaches, given back when the run does not succeed"),
    ApiErrors(409, 413, 415),
  );

/** A POST trigger takes any body: JSON is parsed into the flow's `$input.body`, anything else is passed as sent. */
const AnyBody = () =>
  applyDecorators(
    ApiConsumes('application/json', 'application/x-www-form-urlencoded', '*/*'),
    ApiBody({ required: false, schema: {}, description: "the flow's `$input.body`" }),
  );

@ApiTags('flows')
@Controller('api/1/action')
@Authenticated({ anonymous: true, basicChallenge: true })
@AnyQueryParameters() // the query string is the flow's input (its `url`), passed on whole
export class FlowTriggerHttpController {
  constructor(
    private readonly clients: ServiceClients,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get(':app/:flow/trigger')
  @RefusesHead()
  @TriggerDocs()
  @ApiOperation({ summary: 'Run a flow (GET). Sync: waits for the result; async: 202 with a process id' })
  getTrigger(@CurrentPrincipal() p: Principal, @Param('app') app: string, @Param('flow') flow: string, @Req() req: FastifyRequest, @Res() res: FastifyReply) {
    refuseHead(req, 'GET, POST');
    return this.forward(p, 'GET', `${seg(app)}/${seg(flow)}/trigger`, req, res);
  }

  @Post(':app/:flow/trigger')
  @TriggerDocs()
  @AnyBody()
  @ApiOperation({ summary: 'Run a flow (POST, any body). Sync: waits for the result; async: 202 with a process id' })
  postTrigger(@CurrentPrincipal() p: Principal, @Param('app') app: string, @Param('flow') flow: string, @Req() req: FastifyRequest, @Res() res: FastifyReply) {
    return this.forward(p, 'POST', `${seg(app)}/${seg(flow)}/trigger`, req, res);
  }

  @Get(':flow/trigger')
  @RefusesHead()
  @TriggerDocs()
  @ApiErrors(409)
  @ApiOperation({ summary: 'Older path: run a flow whose name is unique in the instance (GET); 409 when several apps use it' })
  getLegacyTrigger(@CurrentPrincipal() p: Principal, @Param('flow') flow: string, @Req() req: FastifyRequest, @Res() res: FastifyReply) {
    refuseHead(req, 'GET, POST');
    return this.forward(p, 'GET', `${seg(flow)}/trigger`, req, res);
  }

  @Post(':flow/trigger')
  @TriggerDocs()
  @AnyBody()
  @ApiErrors(409)
  @ApiOperation({ summary: 'Older path: run a flow whose name is unique in the instance (POST); 409 when several apps use it' })
  postLegacyTrigger(@CurrentPrincipal() p: Principal, @Param('flow') flow: string, @Req() req: FastifyRequest, @Res() res: FastifyReply) {
    return this.forward(p, 'POST', `${seg(flow)}/trigger`, req, res);
  }

  @Get(':app/:flow/poll/:processId')
  @ApiOperation({
    summary: 'State of an async run: running, success (with data), failed (with the error) or aborted',
    description:
      "The run is found by its process id in the caller's instance: the app and flow may be any the flow has had (the name the run started under, or its name now), and the poll keeps answering after the flow is deleted. Another instance's process id is 404.",
  })
  @CallerParams()
  @ApiOkResponse({ type: PollDoc })
  poll(@CurrentPrincipal() p: Principal, @Param('app') app: string, @Param('flow') flow: string, @Param('processId') processId: string, @Req() req: FastifyRequest, @Res() res: FastifyReply) {
    return this.forward(p, 'GET', `${seg(app)}/${seg(flow)}/poll/${seg(processId)}`, req, res);
  }

  @Get(':flow/poll/:processId')
  @ApiOperation({ summary: 'Older path: state of an async run' })
  @CallerParams()
  @ApiOkResponse({ type: PollDoc })
  legacyPoll(@CurrentPrincipal() p: Principal, @Param('flow') flow: string, @Param('processId') processId: string, @Req() req: FastifyRequest, @Res() res: FastifyReply) {
    // `<app>/poll/trigger` is the trigger of a flow named "poll" (process ids start with run_), which
    // this route's static `poll` segment would otherwise take; the flows service tells them apart alike.
    if (processId === 'trigger') refuseHead(req, 'GET, POST');
    return this.forward(p, 'GET', `${seg(flow)}/poll/${seg(processId)}`, req, res);
  }

  private async forward(principal: Principal, method: Dispatcher.HttpMethod, path: string, req: FastifyRequest, res: FastifyReply) {
    const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    // The caller hanging up aborts the downstream call, which aborts the run.
    const abort = new AbortController();
    res.raw.once('close', () => !res.raw.writableFinished && abort.abort());
    const answer = await this.clients.flows.request({
      method,
      path: `/api/1/action/${path}${query}`,
      principal,
      requestId: String(req.id),
      headers: { ...forwardedHeaders(req), 'x-tollgate-original-url': originalUrl(req) },
      rawBody: method === 'GET' ? await getBodyOf(req, this.config.BODY_LIMIT_BYTES) : rawBodyOf(req),
      timeoutMs: this.config.FLOWS_TRIGGER_TIMEOUT_MS,
      signal: abort.signal,
    });
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !NOT_PASSED_BACK.test(name) && name !== POLICY_HEADER) void res.header(name, value);
    }
    // The flows service refused the caller: what it may answer with is the gateway's to say. A
    // `response` step's own challenge stands.
    const challenge = answer.headers['www-authenticate'];
    if (answer.status === 401 && (challenge === undefined || challenge === BEARER_CHALLENGE)) void res.header('www-authenticate', challengesOf(req));
    const own = answer.headers[POLICY_HEADER];
    void res.header(POLICY_HEADER, [...(own === undefined ? [] : [own].flat()), FLOW_ANSWER_POLICY]);
    if (BODYLESS_STATUSES.has(answer.status)) {
      await answer.body.dump();
      return res.status(answer.status).send();
    }
    return res.status(answer.status).send(answer.body);
  }
}

const seg = (value: string) => encodeURIComponent(value);
