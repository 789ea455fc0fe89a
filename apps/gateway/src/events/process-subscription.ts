import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '@nestjs/common';
import { tollgateCatalog, type EventEnvelope } from '@tollgate/contracts';
import { EventSubscriber, type KafkaBus } from '@tollgate/event-sourcing';
import { countDeadLettered } from '@tollgate/service-runtime';

export interface ProcessSubscriptionOptions {
  /** Names the consumer group, e.g. `auth` → `tollgate-gateway-auth-<host>-<pid>-<random>`. */
  name: string;
  topics: string[];
  logger: Logger;
  onEvent(event: EventEnvelope): Promise<void> | void;
  /** Which raw envelopes are worth validating and handling (see EventSubscriberOptions.accepts). */
  accepts?(envelope: { type?: unknown; instanceId?: unknown }): boolean;
  /** Called once the subscription is positioned: from then on no event published is missed. */
  onPositioned?(): void;
}

/**
 * A gateway cache fed by events. The consumer group is unique to this process, because every
 * gateway replica must see every event rather than share them with its peers, and it starts at
 * the topics' end: earlier changes are already in what the services answer. A broker that is
 * away at start is retried with backoff, so the gateway still starts without it.
 */
export class ProcessSubscription {
  private readonly subscriber: EventSubscriber;
  private stopped = false;

  constructor(
    bus: KafkaBus,
    private readonly options: ProcessSubscriptionOptions,
  ) {
    this.subscriber = new EventSubscriber(bus, tollgateCatalog, {
      groupId: `tollgate-gateway-${options.name}-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`,
      topics: options.topics,
      fromBeginning: false,
      logger: options.logger as never,
      onEvent: async (event) => options.onEvent(event),
      accepts: options.accepts,
      onDeadLettered: countDeadLettered,
    });
  }

  start(retryMs = 500): void {
    void this.attempt(retryMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscriber.stop();
  }

  private async attempt(retryMs: number): Promise<void> {
    if (this.stopped) return;
    try {
      await this.subscriber.start();
      await this.subscriber.ready();
      this.options.onPositioned?.();
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, `${this.options.name} subscription failed; retrying`);
      setTimeout(() => void this.attempt(Math.min(retryMs * 2, 10_000)), retryMs).unref();
    }
  }
}
