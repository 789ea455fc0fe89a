import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { KeyDeactivated, KeyRevoked, TOPICS, tollgateCatalog, UserDeactivated, UserDowngraded, UserRolesChanged, type EventEnvelope } from '@tollgate/contracts';
import { EventSubscriber, KafkaBus } from '@tollgate/event-sourcing';
import { CredentialVerifier } from './credential-verifier';

const KEY_EVENTS = new Set([KeyRevoked.type, KeyDeactivated.type]);
const USER_EVENTS = new Set([UserDowngraded.type, UserDeactivated.type, UserRolesChanged.type]);

/**
 * Evicts cached verifications when a key dies or its user changes. The consumer group is unique
 * to this process: every gateway must see every eviction, not share them with its peers.
 */
@Injectable()
export class CacheEvictionSubscriber implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CacheEvictionSubscriber.name);
  private readonly subscriber: EventSubscriber;
  private stopped = false;

  constructor(bus: KafkaBus, private readonly verifier: CredentialVerifier) {
    const groupId = `tollgate-gateway-auth-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
    this.subscriber = new EventSubscriber(bus, tollgateCatalog, {
      groupId,
      topics: [TOPICS.keys, TOPICS.identity],
      // Only what happens from now on matters: older changes are already in keys' answers.
      fromBeginning: false,
      logger: this.logger as never,
      onEvent: async (event) => this.evict(event),
    });
  }

  onApplicationBootstrap(): void {
    void this.start(500);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.verifier.cache.setActive(false);
    await this.subscriber.stop();
  }

  evict(event: EventEnvelope): void {
    const data = event.data as { keyId?: string; userId?: string };
    if (KEY_EVENTS.has(event.type) && data.keyId) this.verifier.cache.evictKey(data.keyId);
    if (USER_EVENTS.has(event.type)) this.verifier.cache.evictUser(data.userId ?? event.aggregateId);
    if (KEY_EVENTS.has(event.type) || USER_EVENTS.has(event.type)) {
      this.logger.debug({ type: event.type, keyId: data.keyId, userId: data.userId, eventId: event.id }, 'verification cache evicted');
    }
  }

  private async start(retryMs: number): Promise<void> {
    if (this.stopped) return;
    try {
      await this.subscriber.start();
      // Positioned on its partitions: from here on no eviction can be missed, so caching is safe.
      await this.subscriber.ready();
      this.verifier.cache.setActive(true);
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'cache eviction subscription failed; retrying');
      setTimeout(() => void this.start(Math.min(retryMs * 2, 10_000)), retryMs).unref();
    }
  }
}
