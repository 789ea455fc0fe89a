import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { request } from 'undici';
import { KafkaBus } from '@tollgate/event-sourcing';
import { Public } from '@tollgate/service-runtime';
import { ServiceClients } from '../downstream/service-clients';

/** One view of the whole platform for operators: each service's readiness, and the gateway's Kafka link. */
@ApiTags('health')
@Controller('health')
export class PlatformHealthController {
  constructor(
    private readonly clients: ServiceClients,
    private readonly bus: KafkaBus,
  ) {}

  @Public()
  @Get()
  @ApiOperation({ summary: 'Readiness of every service (503 when any is not ready)' })
  async summary(@Res({ passthrough: true }) reply: FastifyReply) {
    const services: Record<string, unknown> = {};
    await Promise.all([
      ...this.clients.all().map(async (client) => {
        try {
          const res = await request(`${client.baseUrl}/health/ready`, { headersTimeout: 3000, bodyTimeout: 3000 });
          const body = (await res.body.json()) as { details?: unknown };
          services[client.name] = { status: res.statusCode === 200 ? 'up' : 'down', details: body.details };
        } catch (error) {
          services[client.name] = { status: 'down', error: (error as Error).message };
        }
      }),
      (async () => {
        try {
          await this.bus.ping(2000);
          services.gateway = { status: 'up', details: { kafka: { status: 'up' } } };
        } catch (error) {
          services.gateway = { status: 'down', details: { kafka: { status: 'down', message: (error as Error).message } } };
        }
      })(),
    ]);
    const ok = Object.values(services).every((s) => (s as { status: string }).status === 'up');
    void reply.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'degraded', services };
  }
}
