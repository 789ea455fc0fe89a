import { timingSafeEqual } from 'node:crypto';
import { Controller, Get, Header, Headers, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ApiException } from '../errors/api-exception';
import { Public } from '../public-route';
import { metricsRegistry } from './metrics';

/** The Bearer token /metrics asks for, when one is configured (METRICS_TOKEN). */
export const METRICS_TOKEN = Symbol('METRICS_TOKEN');

@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  private readonly token?: Buffer;

  constructor(@Inject(METRICS_TOKEN) token: string | undefined) {
    this.token = token ? Buffer.from(`Bearer ${token}`) : undefined;
  }

  @Public()
  @Get()
  @Header('content-type', metricsRegistry.contentType)
  metrics(@Headers('authorization') authorization?: string): Promise<string> {
    // Route counts, error rates and heap sizes tell an outsider a lot about a deployment.
    if (this.token) {
      const presented = Buffer.from(authorization ?? '');
      if (presented.length !== this.token.length || !timingSafeEqual(presented, this.token)) throw ApiException.invalidToken();
    }
    return metricsRegistry.metrics();
  }
}
