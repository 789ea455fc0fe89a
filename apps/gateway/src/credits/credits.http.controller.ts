import { Controller, Get, Inject, Param, Query, Req, Res, Sse, type MessageEvent } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EMPTY, interval, map, merge, takeUntil, type Observable } from 'rxjs';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { Draining, REQUEST_ID_HEADER } from '@tollgate/service-runtime';
import { Authenticated } from '../auth/authenticated.decorator';
import { CredentialWatch } from '../auth/credential-watch';
import { presentedCredential } from '../auth/strategies/transport.strategy';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { queryString } from '../downstream/query-string';
import { ServiceClients } from '../downstream/service-clients';
import { systemPrincipal } from '../metering/debit-batcher';
import { BalanceFeed } from './balance-feed';
import { BalanceDto, LedgerAuditDoc, publicBalance, UsageDoc } from './balance.dto';
import { AuditQueryDto, UsageQueryDto } from './usage.dto';

@ApiTags('credits')
@Controller()
export class CreditsHttpController {
  constructor(
    private readonly feed: BalanceFeed,
    private readonly clients: ServiceClients,
    private readonly watch: CredentialWatch,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly draining: Draining,
  ) {}

  @Get('api/v1/credits')
  @Authenticated()
  @ApiOperation({ summary: "The instance's shared credit pool (free)" })
  @ApiOkResponse({ type: BalanceDto })
  async balance(@CurrentPrincipal() principal: Principal, @Req() req: FastifyRequest): Promise<BalanceDto> {
    return publicBalance(await this.feed.balance(principal, String(req.id)));
  }

  @Sse('api/v1/credits/stream')
  // The console's EventSource can name its session only in the URL.
  @Authenticated({ sessionInUrl: true })
  @ApiOperation({
    summary:
      'Server-Sent Events: `event: balance` with the balance now and after every change; a comment line while idle. ' +
      'Ends when the credential is revoked or expires, or when the gateway stops (reconnect).',
  })
  @ApiOkResponse({
    description: 'the event stream',
    content: { 'text/event-stream': { schema: { type: 'string', example: 'event: balance\ndata: {"dailyAllowance":500,"remaining":312,"resetsAt":"2026-03-01T23:00:00.000Z","timezone":"Europe/Paris"}\n\n' } } },
  })
  stream(
    @CurrentPrincipal() principal: Principal,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Observable<MessageEvent> {
    const requestId = String(req.id);
    // Nest writes an event stream's head itself, on the Node response, past the hook that stamps every other answer.
    reply.raw.setHeader(REQUEST_ID_HEADER, requestId);
    const credential = presentedCredential(req);
    const balances = this.feed.stream(principal, requestId).pipe(map((data): MessageEvent => ({ type: 'balance', data })));
    const keepAlive = interval(this.config.BALANCE_STREAM_KEEPALIVE_MS).pipe(map((): MessageEvent => ({ comment: 'keep-alive' })));
    const refused = credential ? this.watch.refusal(principal, credential, requestId) : EMPTY;
    // The stream never ends by itself: a stopping gateway ends it, or its shutdown would wait for it.
    return merge(balances, keepAlive).pipe(takeUntil(merge(refused, this.draining.drained())));
  }

  @Get('api/v1/credits/usage')
  @Authenticated()
  @ApiOperation({ summary: 'Credits consumed (refunds excluded), grouped by local day, key, user or entity; any key or session but a data key' })
  @ApiOkResponse({ type: UsageDoc })
  async usage(@CurrentPrincipal() principal: Principal, @Req() req: FastifyRequest, @Query() q: UsageQueryDto): Promise<unknown> {
    const { body } = await this.clients.credits.json({
      method: 'GET',
      path: `/usage${queryString({ from: q.from, to: q.to, groupBy: q.groupBy })}`,
      principal,
      requestId: String(req.id),
    });
    return body;
  }

  @Get('api/v1/operator/instances/:id/credits/audit')
  @Authenticated({ operatorOnly: true })
  @ApiTags('operator')
  @ApiOperation({ summary: 'Ledger check for one instance and local day: allowance + adjustments - consumed + refunded = remaining' })
  @ApiOkResponse({ type: LedgerAuditDoc })
  async audit(
    @Param('id') instanceId: string,
    @Req() req: FastifyRequest,
    @Query() q: AuditQueryDto,
  ): Promise<unknown> {
    const { body } = await this.clients.credits.json({
      method: 'GET',
      path: `/accounts/${encodeURIComponent(instanceId)}/audit${queryString({ day: q.day })}`,
      principal: systemPrincipal(instanceId),
      requestId: String(req.id),
    });
    return body;
  }
}
