import { deadLetterHeaders, deadLetterTopic, type EventCatalog, type EventContract, type EventEnvelope } from '@tollgate/contracts';
import type { BusLogger, IncomingMessage, KafkaBus, Subscription } from '../kafka/kafka-bus';
import { isPermanentFailure } from './permanent-event-error';

export interface EventSubscriberOptions {
  groupId: string;
  topics: string[];
  fromBeginning?: boolean;
  logger?: BusLogger;
  /**
   * Longest pause between retries of a transiently failing event (default 2 s). The retry loop
   * heartbeats after each pause, so it stays well inside the group session (6 s, see KafkaBus).
   */
  maxBackoffMs?: number;
  onEvent(event: EventEnvelope, contract: EventContract): Promise<void>;
  /**
   * For consumers that want only some events of busy topics (an instance's, a type's): looks at the
   * raw envelope first; what it refuses is skipped before validation, neither handled nor
   * dead-lettered. Validating an event costs far more than reading its type.
   */
  accepts?(envelope: { type?: unknown; instanceId?: unknown }): boolean;
  /** Told of each message moved to the dead-letter topic (once it is there), for the operators' metrics. */
  onDeadLettered?(topic: string): void;
}


/**
 * Consumes topics, validating every message against the catalogue. What fails validation is moved
 * to `<topic>.dlq` with the reason, so one bad message neither crashes the consumer nor blocks its
 * partition. A handler failure that retrying cannot mend (see isPermanentFailure) is set aside the
 * same way; other handler failures are retried with backoff, holding the partition in order.
 */
export class EventSubscriber {
  private subscription?: Subscription;
  private stopping = false;

  constructor(
    private readonly bus: KafkaBus,
    private readonly catalog: EventCatalog,
    private readonly options: EventSubscriberOptions,
  ) {}

  async start(): Promise<void> {
    this.stopping = false;
    this.subscription = await this.bus.subscribe({
      groupId: this.options.groupId,
      topics: this.options.topics,
      fromBeginning: this.options.fromBeginning ?? true,
      handle: (message, heartbeat) => this.handle(message, heartbeat),
    });
  }

  /** Resolves once the subscriber is positioned on its partitions; what is published after that reaches it. */
  async ready(): Promise<void> {
    await this.subscription?.ready;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  private async handle(message: IncomingMessage, heartbeat: () => Promise<void>): Promise<void> {
    let value: unknown = message.value;
    if (this.options.accepts && message.value) {
      try {
        value = JSON.parse(message.value.toString('utf8'));
      } catch {
        value = message.value; // not JSON: validation says so and dead-letters it
      }
      if (value && typeof value === 'object' && !Buffer.isBuffer(value) && !this.options.accepts(value as { type?: unknown })) return;
    }
    const result = this.catalog.validate(value, message.topic);
    if (!result.ok) return this.deadLetter(message, result.reason);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.onEvent(result.event, result.contract);
        return;
      } catch (error) {
        if (isPermanentFailure(error)) return this.deadLetter(message, (error as Error).message);
        if (this.stopping) throw error; // leave the offset uncommitted: redelivered after restart
        const delay = Math.min(this.options.maxBackoffMs ?? 2000, 50 * 2 ** Math.min(attempt, 8));
        this.options.logger?.warn(
          { err: (error as Error).message, eventId: result.event.id, type: result.event.type, attempt },
          'event handler failed; retrying',
        );
        await new Promise((r) => setTimeout(r, delay));
        await heartbeat().catch(() => undefined);
      }
    }
  }

  private async deadLetter(message: IncomingMessage, reason: string): Promise<void> {
    this.options.logger?.warn(
      { topic: message.topic, partition: message.partition, offset: message.offset, reason },
      'event moved to dead-letter topic',
    );
    await this.bus.publish([
      {
        topic: deadLetterTopic(message.topic),
        key: message.key ?? '',
        value: message.value?.toString('utf8') ?? '',
        // Each consumer group sets aside its own copy: the headers say whose it is.
        headers: deadLetterHeaders(message.headers, {
          reason,
          consumerGroup: this.options.groupId,
          topic: message.topic,
          partition: message.partition,
          offset: message.offset,
        }),
      },
    ]);
    this.options.onDeadLettered?.(message.topic);
  }
}
