import {
  Global,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { DataSource, type MixedList } from 'typeorm';
import { EventStore, KafkaBus, OutboxRelay, repeatLimited } from '@tollgate/event-sourcing';
import { outboxMetrics, registerGauge } from '../metrics/metrics';
import { ROOT_LOGGER } from '../logging';
import { KafkaBusModule } from './kafka-bus.module';

export interface EventSourcingModuleOptions {
  databaseUrl: string;
  poolSize: number;
  /** The service's migrations, EventSourcingTables first. */
  migrations: MixedList<Function>;
  brokers: string[];
  clientId: string;
  outboxPollMs: number;
  outboxIdlePollMs: number;
}

const OPTIONS = Symbol('EVENT_SOURCING_OPTIONS');

@Injectable()
class RelayLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly dataSource: DataSource,
    private readonly relay: OutboxRelay,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (await this.dataSource.showMigrations()) {
      throw new Error('The database has pending migrations: run `npm run db -- migrate` (the start command does it)');
    }
    this.relay.start();
  }

  /** Runs after HTTP has stopped taking requests: what they committed is published before exit. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}

/** A service's database, event store and outbox relay, wired once for the whole process. */
@Global()
@Module({})
export class EventSourcingModule {
  static forRoot(options: EventSourcingModuleOptions): DynamicModule {
    return {
      module: EventSourcingModule,
      imports: [
        KafkaBusModule.forRoot({ brokers: options.brokers, clientId: options.clientId }),
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: options.databaseUrl,
          poolSize: options.poolSize,
          migrations: options.migrations,
          migrationsRun: false,
          synchronize: false,
          autoLoadEntities: true,
          // Fail readiness quickly rather than hanging requests while the database is away.
          extra: { connectionTimeoutMillis: 3000 },
          retryAttempts: 30,
          retryDelay: 1000,
        }),
      ],
      providers: [
        { provide: OPTIONS, useValue: options },
        { provide: EventStore, useValue: new EventStore() },
        {
          provide: OutboxRelay,
          inject: [DataSource, KafkaBus, ROOT_LOGGER, OPTIONS],
          useFactory: (ds: DataSource, bus: KafkaBus, logger: Logger, o: EventSourcingModuleOptions) => {
            const metrics = outboxMetrics();
            const relay = new OutboxRelay(ds, bus, {
              databaseUrl: o.databaseUrl,
              pollIntervalMs: o.outboxPollMs,
              idlePollIntervalMs: o.outboxIdlePollMs,
              // Retried every few seconds while Kafka or the database is away: said once a window, with the count.
              logger: repeatLimited({ debug() {}, info() {}, warn: (obj, msg) => logger.warn(obj, msg), error: (obj, msg) => logger.error(obj, msg) }),
              onPublished: (count, oldest) => {
                metrics.published.inc(count);
                metrics.lag.observe(Math.max(0, Date.now() - oldest.getTime()) / 1000);
              },
            });
            registerGauge('tollgate_outbox_backlog', 'Outbox rows not yet published', async () => (await relay.backlog()).count);
            return relay;
          },
        },
        RelayLifecycle,
      ],
      exports: [EventStore, OutboxRelay, TypeOrmModule],
    };
  }
}

