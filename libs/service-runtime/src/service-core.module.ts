import { hostname } from 'node:os';
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { HealthController } from './health/health.controller';
import { READINESS_CHECKS } from './health/readiness-check';
import { MetricsController } from './metrics/metrics.controller';
import { REQUEST_ID_HEADER } from './request-id';

export interface ServiceCoreOptions {
  name: string;
  logLevel: string;
  /** Provides READINESS_CHECKS: what /health/ready consults. */
  readiness: Omit<Provider, 'provide'> & ({ useFactory: (...args: any[]) => unknown; inject?: any[] } | { useValue: unknown });
}

const SECRET_QUERY = /([?&](?:key|access_token|token)=)[^&]*/gi;

/** Logging, health and metrics: what every Tollgate process offers its operators. */
@Module({})
export class ServiceCoreModule {
  static forRoot(options: ServiceCoreOptions): DynamicModule {
    return {
      module: ServiceCoreModule,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        LoggerModule.forRoot({
          pinoHttp: {
            name: options.name,
            level: options.logLevel,
            genReqId: (req) => String(req.headers[REQUEST_ID_HEADER] ?? ''),
            // In every line from the root, not bound per request: each binding is a child logger,
            // built (and its fields serialised) for every request, logged or not.
            base: { pid: process.pid, hostname: hostname(), service: options.name },
            autoLogging: { ignore: (req) => /^\/(health|metrics)/.test(req.url ?? '') },
            redact: {
              paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers["x-tollgate-principal"]', 'req.headers.cookie'],
              censor: '[redacted]',
            },
            serializers: {
              // The request's id, method and address, without its headers: they carry credentials,
              // and copying them into every request's logger cost more than the rest of the line.
              req: (req: { id: string; method: string; url: string }) => ({
                id: req.id,
                method: req.method,
                url: req.url?.replace(SECRET_QUERY, '$1[redacted]'),
              }),
            },
          },
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [{ provide: READINESS_CHECKS, ...options.readiness } as Provider],
    };
  }
}
