import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InstancePlanChanged, KeyDeactivated, KeyRevoked, SessionEnded, TOPICS, UserDeactivated, UserDowngraded, UserRolesChanged, type EventEnvelope } from '@tollgate/contracts';
import { KafkaBus } from '@tollgate/event-sourcing';
import { ProcessSubscription } from '../events/process-subscription';
import { CredentialVerifier } from './credential-verifier';
import { CredentialWatch } from './credential-watch';

const KEY_EVENTS = new Set([KeyRevoked.type, KeyDeactivated.type]);
const USER_EVENTS = new Set([UserDowngraded.type, UserDeactivated.type, UserRolesChanged.type]);
/** Roles change what a user may do, not whether they may still be signed in. */
const USER_ENDED_EVENTS = new Set([UserDowngraded.type, UserDeactivated.type]);

/**
 * Evicts cached verifications when a key dies, its user changes, a session is signed out or the
 * instance's plan (its time zone) changes, and ends the open answers (live balances) of a dead key,
 * user or session. The consumer group is unique to this process: every gateway must see every eviction, not share them with its peers.
 */
@Injectable()
export class CacheEvictionSubscriber implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CacheEvictionSubscriber.name);
  private readonly subscription: ProcessSubscription;

  constructor(
    bus: KafkaBus,
    private readonly verifier: CredentialVerifier,
    private readonly watch: CredentialWatch,
  ) {
    this.subscription = new ProcessSubscription(bus, {
      name: 'auth',
      topics: [TOPICS.keys, TOPICS.identity],
      logger: this.logger,
      onEvent: (event) => this.evict(event),
      accepts: (envelope) =>
        KEY_EVENTS.has(envelope.type as string) ||
        USER_EVENTS.has(envelope.type as string) ||
        envelope.type === SessionEnded.type ||
        envelope.type === InstancePlanChanged.type,
      // Positioned on its partitions: from here on no eviction can be missed, so caching is safe.
      onPositioned: () => this.verifier.cache.setActive(true),
    });
  }

  onApplicationBootstrap(): void {
    this.subscription.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.verifier.cache.setActive(false);
    await this.subscription.stop();
  }

  evict(event: EventEnvelope): void {
    if (event.type === InstancePlanChanged.type) {
      // Principals carry the instance's time zone (query's from/to days): no cached one may keep the old.
      this.verifier.cache.evictInstance(event.instanceId);
      this.logger.debug({ type: event.type, instanceId: event.instanceId, eventId: event.id }, 'verification cache evicted');
      return;
    }
    const data = event.data as { keyId?: string; userId?: string; sessionId?: string };
    if (event.type === SessionEnded.type && data.sessionId) {
      this.verifier.cache.evictSession(data.sessionId);
      this.watch.sessionEnded(data.sessionId);
      this.logger.debug({ type: event.type, sessionId: data.sessionId, eventId: event.id }, 'verification cache evicted');
      return;
    }
    if (KEY_EVENTS.has(event.type) && data.keyId) this.verifier.cache.evictKey(data.keyId);
    if (USER_EVENTS.has(event.type)) this.verifier.cache.evictUser(data.userId ?? event.aggregateId);
    if (KEY_EVENTS.has(event.type) && data.keyId) this.watch.keyEnded(data.keyId);
    if (USER_ENDED_EVENTS.has(event.type)) this.watch.userEnded(data.userId ?? event.aggregateId);
    if (KEY_EVENTS.has(event.type) || USER_EVENTS.has(event.type)) {
      this.logger.debug({ type: event.type, keyId: data.keyId, userId: data.userId, eventId: event.id }, 'verification cache evicted');
    }
  }
}
