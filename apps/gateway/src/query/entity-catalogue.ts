import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EntityTypeDefined, TOPICS, type EventEnvelope } from '@tollgate/contracts';
import { KafkaBus } from '@tollgate/event-sourcing';
import { ProcessSubscription } from '../events/process-subscription';
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
  private readonly subscription: ProcessSubscription;

  constructor(
    bus: KafkaBus,
    private readonly clients: ServiceClients,
  ) {
    this.subscription = new ProcessSubscription(bus, {
      name: 'entities',
      topics: [TOPICS.query],
      logger: this.logger,
      onEvent: (event) => this.apply(event),
      accepts: (envelope) => envelope.type === EntityTypeDefined.type,
    });
  }

  onApplicationBootstrap(): void {
    this.subscription.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription.stop();
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
}
