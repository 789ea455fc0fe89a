import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { KafkaBus } from '@tollgate/event-sourcing';
import { ROOT_LOGGER } from '../logging';
import { reportConsumerLag } from '../metrics/metrics';

export interface KafkaBusModuleOptions {
  brokers: string[];
  clientId: string;
}

/** Reports the bus's consumer lag in the metrics while it is open, and closes it last. */
class KafkaBusLifecycle implements OnApplicationShutdown {
  private readonly stopReporting: () => void;

  constructor(@Inject(KafkaBus) private readonly bus: KafkaBus) {
    this.stopReporting = reportConsumerLag(() => bus.consumerLag());
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopReporting();
    await this.bus.close();
  }
}

/** The process's one Kafka connection (producer, consumers, admin), closed last on shutdown. */
@Global()
@Module({})
export class KafkaBusModule {
  static forRoot(options: KafkaBusModuleOptions): DynamicModule {
    return {
      module: KafkaBusModule,
      providers: [
        {
          provide: KafkaBus,
          inject: [ROOT_LOGGER],
          useFactory: (logger: Logger) =>
            new KafkaBus({
              ...options,
              logger: {
                debug: (o, m) => logger.debug(o, m),
                info: (o, m) => logger.info(o, m),
                warn: (o, m) => logger.warn(o, m),
                error: (o, m) => logger.error(o, m),
              },
            }),
        },
        KafkaBusLifecycle,
      ],
      exports: [KafkaBus],
    };
  }
}
