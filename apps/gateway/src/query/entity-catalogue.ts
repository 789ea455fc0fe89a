import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EntityTypeDefined, TOPICS, tollgateCatalog, type EventEnvelope } from '@tollgate/contracts';
import { EventSubscriber, KafkaBus } from '@tollgate/event-sourcing';
import { ServiceClients } from '../downstream/service-clients';
import { systemPrincipal } from '../metering/debit-batcher';

interface InstanceEntities {
  names: Set<string>;
  loaded: boolean;
  lastFetch: number;
  fetching?: Promise<void>;
}

/** An instance that asks for a name it does not have is looked up again at most this often. */
const REFETCH_AFTER_MS = 1000;

/**
 * The entity names of each instance, so unknown entities are refused before anything is charged
 * without a call to the query service on the hot path. Filled on first use from the query service,
 * then kept current by EntityTypeDefined events (a consumer group per process: every gateway sees
 * every definition). A name still unknown is looked up again, rate-limited, in case its event lags.
 */
@Injectable()
export class EntityCatalogue implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EntityCatalogue.name);
  private readonly instances = new Map<string, InstanceEntities>();
  private readonly subscriber: EventSubscriber;
  private stopped = false;

  constructor(
    bus: KafkaBus,
    private readonly clients: ServiceClients,
  ) {
    this.subscriber = new EventSubscriber(bus, tollgateCatalog, {
      groupId: `tollgate-gateway-entities-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`,
      topics: [TOPICS.query],
      fromBeginning: false,
      logger: this.logger as never,
      onEvent: async (event) => this.apply(event),
    });
  }

  onApplicationBootstrap(): void {
    void this.start(500);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.subscriber.stop();
  }

  apply(event: EventEnvelope): void {
    if (event.type !== EntityTypeDefined.type) return;
    const entry = this.entry(event.instanceId);
    entry.names.add((event.data as { entity: string }).entity);
  }

  /** The names among `names` that the instance does not have. */
  async unknown(instanceId: string, names: readonly string[], requestId: string): Promise<string[]> {
    const entry = this.entry(instanceId);
    let missing = names.filter((n) => !entry.names.has(n));
    if (missing.length === 0) return [];
    if (!entry.loaded || Date.now() - entry.lastFetch >= REFETCH_AFTER_MS) {
      await (entry.fetching ??= this.fetch(instanceId, entry, requestId).finally(() => (entry.fetching = undefined)));
      missing = names.filter((n) => !entry.names.has(n));
    }
    return missing;
  }

  private entry(instanceId: string): InstanceEntities {
    let entry = this.instances.get(instanceId);
    if (!entry) this.instances.set(instanceId, (entry = { names: new Set(), loaded: false, lastFetch: 0 }));
    return entry;
  }

  private async fetch(instanceId: string, entry: InstanceEntities, requestId: string): Promise<void> {
    const { body } = await this.clients.query.json<{ entities: { name: string }[] }>({
      method: 'GET',
      path: '/api/v1/entities',
      principal: systemPrincipal(instanceId),
      requestId,
    });
    for (const e of body.entities) entry.names.add(e.name);
    entry.loaded = true;
    entry.lastFetch = Date.now();
  }

  private async start(retryMs: number): Promise<void> {
    if (this.stopped) return;
    try {
      await this.subscriber.start();
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'entity catalogue subscription failed; retrying');
      setTimeout(() => void this.start(Math.min(retryMs * 2, 10_000)), retryMs).unref();
    }
  }
}
