import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { Draining } from './draining';
import { HealthController } from './health/health.controller';
import { READINESS_CHECKS } from './health/readiness-check';
import { METRICS_TOKEN, MetricsController } from './metrics/metrics.controller';
import { createRootLogger, ROOT_LOGGER } from './logging';

export interface ServiceCoreOptions {
  name: string;
  logLevel: string;
  /** When set, /metrics needs it as a Bearer token (METRICS_TOKEN). */
  metricsToken?: string;
  /** Provides READINESS_CHECKS: what /health/ready consults. */
  readiness: Omit<Provider, 'provide'> & ({ useFactory: (...args: any[]) => unknown; inject?: any[] } | { useValue: unknown });
}

/** Logging, health and metrics: what every Tollgate process offers its operators. */
@Module({})
export class ServiceCoreModule {
  static forRoot(options: ServiceCoreOptions): DynamicModule {
    const root = createRootLogger(options.name, options.logLevel);
    return {
      module: ServiceCoreModule,
      global: true,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        // nestjs-pino gives Nest's logger pino's output. Its per-request middleware (pino-http and an
        // AsyncLocalStorage context) is not mounted: the request log comes from a response hook
        // (logging.ts), at a fraction of the cost.
        LoggerModule.forRoot({ pinoHttp: { logger: root }, useExisting: true, forRoutes: [] }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: READINESS_CHECKS, ...options.readiness } as Provider,
        { provide: ROOT_LOGGER, useValue: root },
        { provide: METRICS_TOKEN, useValue: options.metricsToken },
        Draining,
      ],
      exports: [ROOT_LOGGER, Draining],
    };
  }
}
