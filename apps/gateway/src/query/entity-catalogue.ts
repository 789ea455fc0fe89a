import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  BUILT_IN_FIELDS,
  checkAggregate,
  EntityTypeDefined,
  RESPONSIBILITIES,
  TOPICS,
  type AggregateDto,
  type TypedField,
  type EventEnvelope,
  type FieldError,
  type FieldType,
} from '@tollgate/contracts';
import { KafkaBus } from '@tollgate/event-sourcing';
import { ProcessSubscription } from '../events/process-subscription';
import { ServiceClients } from '../downstream/service-clients';
import { systemPrincipal } from '../metering/debit-batcher';

/** What the gateway knows of one instance's entity types. */
export interface KnownEntities {
  /** Each entity's own fields and their types, by entity name. */
  readonly fields: ReadonlyMap<string, ReadonlyMap<string, FieldType>>;
  /** Changes whenever a type or field is added, so what is built from `fields` can be kept until then. */
  readonly revision: number;
}

interface InstanceEntities extends KnownEntities {
  fields: Map<string, Map<string, FieldType>>;
  revision: number;
  loaded: boolean;
  lastFetch: number;
  fetching?: Promise<void>;
}

/** An instance that asks for a name it does not have is looked up again at most this often. */
const REFETCH_AFTER_MS = 1000;
const EVERY_RECORDS_FIELDS = [...BUILT_IN_FIELDS.map((f) => f.name), RESPONSIBILITIES];

/**
 * The entity types of each instance (names, fields and their types), so unknown entities, unknown
 * `display` fields, aggregates that do not fit and GraphQL requests the schema refuses
 * (`GraphqlChecks`) are refused before anything is charged, without a call to the query service
 * on the hot path.
 * Filled on first use from the query service, then kept current by EntityTypeDefined events (a
 * consumer group per process: every gateway sees every definition, and a type that gains fields
 * is defined again with all of them). A name still unknown is looked up again, rate-limited, in
 * case its event lags.
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
    const data = event.data as { entity: string; fields: TypedField[] };
    this.defined(event.instanceId, data.entity, data.fields);
  }

  /**
   * An entity type (or fields of one) that exists now: from its event, or from a definition this
   * gateway forwarded, so its own client can query it at once. Types only gain fields, so what is
   * known is kept whatever order the news comes in.
   */
  defined(instanceId: string, entity: string, fields: readonly TypedField[]): void {
    const entry = this.entry(instanceId);
    let known = entry.fields.get(entity);
    if (!known) {
      entry.fields.set(entity, (known = new Map()));
      entry.revision++;
    }
    for (const field of fields) {
      if (known.get(field.name) === field.type) continue;
      known.set(field.name, field.type);
      entry.revision++;
    }
  }

  /** The names among `names` that the instance does not have. */
  async unknown(instanceId: string, names: readonly string[], requestId: string): Promise<string[]> {
    return this.check(instanceId, requestId, (entry) => names.filter((n) => !entry.fields.has(n)));
  }

  /**
   * The names among `display` that no record of `entities` has (built-in fields or the entities'
   * own). The entities are known ones.
   */
  async unknownFields(instanceId: string, entities: readonly string[], display: readonly string[], requestId: string): Promise<string[]> {
    return this.check(instanceId, requestId, (entry) => {
      const known = new Set([...EVERY_RECORDS_FIELDS, ...entities.flatMap((e) => [...(entry.fields.get(e)?.keys() ?? [])])]);
      return display.filter((d) => !known.has(d));
    });
  }

  /** What is wrong with an aggregate request on a known entity (`checkAggregate` on its fields). */
  async aggregateErrors(instanceId: string, entity: string, dto: AggregateDto, requestId: string): Promise<FieldError[]> {
    return this.check(instanceId, requestId, (entry) => {
      const own = [...(entry.fields.get(entity) ?? [])].map(([name, type]) => ({ name, type }));
      return checkAggregate(own, dto).errors;
    });
  }

  /**
   * What `find` reports missing or wrong in a request, judged on the instance's entity types as
   * known here; looked up again (rate-limited) before it is believed, in case news of a type lags.
   */
  async check<T>(instanceId: string, requestId: string, find: (entities: KnownEntities) => T[]): Promise<T[]> {
    const entry = this.entry(instanceId);
    const missing = find(entry);
    if (missing.length === 0) return [];
    if (!entry.loaded || Date.now() - entry.lastFetch >= REFETCH_AFTER_MS) {
      await (entry.fetching ??= this.fetch(instanceId, entry, requestId).finally(() => (entry.fetching = undefined)));
      return find(entry);
    }
    return missing;
  }

  private entry(instanceId: string): InstanceEntities {
    let entry = this.instances.get(instanceId);
    if (!entry) this.instances.set(instanceId, (entry = { fields: new Map(), revision: 0, loaded: false, lastFetch: 0 }));
    return entry;
  }

  private async fetch(instanceId: string, entry: InstanceEntities, requestId: string): Promise<void> {
    const { body } = await this.clients.query.json<{ entities: { name: string; fields: TypedField[] }[] }>({
      method: 'GET',
      path: '/api/v1/entities',
      principal: systemPrincipal(instanceId),
      requestId,
    });
    for (const e of body.entities) this.defined(instanceId, e.name, e.fields);
    entry.loaded = true;
    entry.lastFetch = Date.now();
  }
}
