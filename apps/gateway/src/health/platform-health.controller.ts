import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { request } from 'undici';
import { ErrorCode } from '@tollgate/contracts';
import { KafkaBus } from '@tollgate/event-sourcing';
import { Public } from '@tollgate/service-runtime';
import { CREDENTIAL_TRANSPORTS } from '../auth/credential-transports';
import { CredentialVerifier } from '../auth/credential-verifier';
import { ServiceClients } from '../downstream/service-clients';

/** A service's readiness takes up to 2 s to say a dependency hangs; this leaves it time to say so. */
const SERVICE_TIMEOUT_MS = 3000;

/** Every entry has this shape, whatever failed: `details` from the service's readiness, `message` when it gave none. */
interface ServiceHealth {
  status: 'up' | 'down';
  details?: unknown;
  message?: string;
}

/** One view of the whole platform for operators: each service's readiness, and the gateway's Kafka link. */
@ApiTags('health')
@Controller('health')
export class PlatformHealthController {
  constructor(
    private readonly clients: ServiceClients,
    private readonly bus: KafkaBus,
    private readonly verifier: CredentialVerifier,
  ) {}

  @Public()
  @Get()
  @ApiOperation({
    summary: 'Readiness of every service (503 in the error shape, naming those not ready, when any is not)',
    description:
      'Open to anyone, as load balancers ask it: each service says up or down. What each one checked, and why it is down (internal addresses, database and broker errors), only with `Authorization: Bearer <OPERATOR_TOKEN>`.',
  })
  async summary(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const checks: [string, Promise<ServiceHealth>][] = [
      ...this.clients.all().map((client) => [client.name, this.readiness(client.baseUrl)] as [string, Promise<ServiceHealth>]),
      ['gateway', this.gateway()],
    ];
    // Always in the same order, whichever answers first.
    const operator = this.isOperator(req);
    const services = Object.fromEntries(
      await Promise.all(checks.map(async ([name, check]) => [name, operator ? await check : { status: (await check).status }] as const)),
    );
    const down = Object.keys(services).filter((name) => services[name].status !== 'up');
    if (down.length === 0) return { status: 'ok', services };
    void reply.status(503);
    return { status: 'error', code: ErrorCode.Unavailable, message: `Not ready: ${down.join(', ')}`, requestId: String(req.id), services };
  }

  /** The operator token where every operator route takes it: the Authorization header. */
  private isOperator(req: FastifyRequest): boolean {
    const credential = CREDENTIAL_TRANSPORTS.bearer(req);
    return credential !== undefined && this.verifier.isOperatorToken(credential);
  }

  private async readiness(baseUrl: string): Promise<ServiceHealth> {
    try {
      const res = await request(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(SERVICE_TIMEOUT_MS) });
      const body = (await res.body.json()) as { details?: unknown };
      return { status: res.statusCode === 200 ? 'up' : 'down', details: body.details };
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      return { status: 'down', message: timedOut ? `no answer within ${SERVICE_TIMEOUT_MS} ms` : (error as Error).message };
    }
  }

  private async gateway(): Promise<ServiceHealth> {
    try {
      await this.bus.ping(2000);
      return { status: 'up', details: { kafka: { status: 'up' } } };
    } catch (error) {
      return { status: 'down', details: { kafka: { status: 'down', message: (error as Error).message } } };
    }
  }
}
