import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import { KafkaBus } from '@tollgate/event-sourcing';

export interface KafkaBusModuleOptions {
  brokers: string[];
  clientId: string;
}

class KafkaBusCloser implements OnApplicationShutdown {
  constructor(@Inject(KafkaBus) private readonly bus: KafkaBus) {}
  async onApplicationShutdown(): Promise<void> {
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
          inject: [Logger],
          useFactory: (logger: Logger) =>
            new KafkaBus({
              ...options,
              logger: {
                debug: (o, m) => logger.debug(o, m),
                info: (o, m) => logger.log(o, m),
                warn: (o, m) => logger.warn(o, m),
                error: (o, m) => logger.error(o, m),
              },
            }),
        },
        KafkaBusCloser,
      ],
      exports: [KafkaBus],
    };
  }
}
