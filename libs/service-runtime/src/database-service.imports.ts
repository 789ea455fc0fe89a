import type { DynamicModule } from '@nestjs/common';
import type { MixedList } from 'typeorm';
import { DataSource } from 'typeorm';
import type { DatabaseServiceConfig } from '@tollgate/config';
import { KafkaBus, OutboxRelay } from '@tollgate/event-sourcing';
import { databaseCheck, kafkaCheck, outboxCheck } from './health/standard-checks';
import { EventSourcingModule } from './persistence/event-sourcing.module';
import { ServiceCoreModule } from './service-core.module';

/** What every event-sourced service imports: its database, Kafka, outbox relay, logs, health, metrics. */
export function databaseServiceImports(options: {
  name: string;
  config: DatabaseServiceConfig;
  migrations: MixedList<Function>;
}): DynamicModule[] {
  const { config } = options;
  return [
    EventSourcingModule.forRoot({
      databaseUrl: config.DATABASE_URL,
      poolSize: config.DATABASE_POOL_SIZE,
      migrations: options.migrations,
      brokers: config.KAFKA_BROKERS,
      clientId: `tollgate-${options.name}`,
      outboxPollMs: config.OUTBOX_POLL_MS,
      outboxIdlePollMs: config.OUTBOX_IDLE_POLL_MS,
    }),
    ServiceCoreModule.forRoot({
      name: options.name,
      logLevel: config.LOG_LEVEL,
      metricsToken: config.METRICS_TOKEN,
      readiness: {
        inject: [DataSource, KafkaBus, OutboxRelay],
        useFactory: (ds: DataSource, bus: KafkaBus, relay: OutboxRelay) => [
          databaseCheck(ds),
          kafkaCheck(bus),
          outboxCheck(relay),
        ],
      },
    }),
  ];
}
