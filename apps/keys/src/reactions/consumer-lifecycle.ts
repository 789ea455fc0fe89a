import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { IdempotentConsumer } from '@tollgate/event-sourcing';

/**
 * Starts a consumer after boot without holding the service hostage to the broker: a failed start
 * is retried with backoff; committed offsets make the retry lose nothing.
 *
 * Consumer groups are named after the database incarnation that records what they applied
 * (processed_events): two deployments sharing a broker never split one another's partitions, and
 * a recreated database does not inherit offsets that its empty tables never saw.
 */
export abstract class ConsumerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(this.constructor.name);
  private consumer?: IdempotentConsumer;
  private stopped = false;

  protected constructor(protected readonly dataSource: DataSource) {}

  protected abstract create(groupPrefix: string): IdempotentConsumer;

  onApplicationBootstrap(): void {
    void this.start(500);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.consumer?.stop();
  }

  /** The consumer of this database incarnation's group, also for events that reach keys without Kafka. */
  protected async idempotentConsumer(): Promise<IdempotentConsumer> {
    if (!this.consumer) {
      const [db] = await this.dataSource.query(`SELECT current_database() AS name, oid FROM pg_database WHERE datname = current_database()`);
      this.consumer ??= this.create(`${db.name}-${db.oid}`);
    }
    return this.consumer;
  }

  private async start(retryMs: number): Promise<void> {
    if (this.stopped) return;
    try {
      await (await this.idempotentConsumer()).start();
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'consumer start failed; retrying');
      setTimeout(() => void this.start(Math.min(retryMs * 2, 10_000)), retryMs).unref();
    }
  }
}

export const busLogger = (logger: Logger) => ({
  debug: () => undefined,
  info: (o: object, m?: string) => logger.log(o, m),
  warn: (o: object, m?: string) => logger.warn(o, m),
  error: (o: object, m?: string) => logger.error(o, m),
});
