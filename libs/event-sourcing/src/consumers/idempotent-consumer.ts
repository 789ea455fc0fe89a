import type { DataSource, EntityManager } from 'typeorm';
import type { EventCatalog, EventEnvelope } from '@tollgate/contracts';
import type { BusLogger, KafkaBus } from '../kafka/kafka-bus';
import { EventSubscriber } from './event-subscriber';

export type EventHandler = (em: EntityManager, event: EventEnvelope) => Promise<void>;

export interface IdempotentConsumerOptions {
  groupId: string;
  topics: string[];
  /** By event type; types without a handler are acknowledged and skipped. */
  handlers: Record<string, EventHandler>;
  fromBeginning?: boolean;
  logger?: BusLogger;
  onDeadLettered?(topic: string): void;
}

/**
 * Applies each event at most once per consumer group: the event id is recorded in
 * `processed_events` in the same transaction as the handler's effects, so a redelivery after a
 * rebalance or a crash finds it there and changes nothing.
 */
export class IdempotentConsumer {
  private readonly subscriber: EventSubscriber;

  constructor(
    private readonly dataSource: DataSource,
    bus: KafkaBus,
    catalog: EventCatalog,
    private readonly options: IdempotentConsumerOptions,
  ) {
    this.subscriber = new EventSubscriber(bus, catalog, {
      groupId: options.groupId,
      topics: options.topics,
      fromBeginning: options.fromBeginning ?? true,
      logger: options.logger,
      onDeadLettered: options.onDeadLettered,
      onEvent: async (event) => {
        await this.apply(event);
      },
    });
  }

  start(): Promise<void> {
    return this.subscriber.start();
  }

  ready(): Promise<void> {
    return this.subscriber.ready();
  }

  stop(): Promise<void> {
    return this.subscriber.stop();
  }

  /** Returns false when this group had already applied the event. */
  async apply(event: EventEnvelope): Promise<boolean> {
    if (!this.options.handlers[event.type]) return false;
    return this.dataSource.transaction((em) => this.applyIn(em, event));
  }

  /**
   * `apply` in the caller's transaction: for an event that reaches the service another way than
   * Kafka (handed over by its producer, say). Recorded for this group, a later delivery of the same
   * id from Kafka changes nothing, and neither does the same event handed over again.
   */
  async applyIn(em: EntityManager, event: EventEnvelope): Promise<boolean> {
    const handler = this.options.handlers[event.type];
    if (!handler) return false;
    const inserted: unknown[] = await em.query(
      `INSERT INTO processed_events (consumer_group, event_id) VALUES ($1, $2)
       ON CONFLICT DO NOTHING RETURNING event_id`,
      [this.options.groupId, event.id],
    );
    if (inserted.length === 0) return false;
    await handler(em, event);
    return true;
  }
}
