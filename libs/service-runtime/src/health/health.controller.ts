import { Controller, Get, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Public } from '../public-route';
import { withTimeout } from '../with-timeout';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness-check';

const CHECK_TIMEOUT_MS = 2000;

@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

  /** The process answers: no dependency is consulted. */
  @Public()
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Ready to serve: every dependency answers. 503 with the failing ones otherwise. */
  @Public()
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(
      this.checks.map((c) => async () => {
        const session = this.indicators.check(c.name);
        try {
          return session.up((await withTimeout(c.check(), CHECK_TIMEOUT_MS)) ?? {});
        } catch (error) {
          return session.down({ message: (error as Error).message });
        }
      }),
    );
  }
}
