import type { EntityManager } from 'typeorm';
import { EntityTypeDefined, type EventEnvelope } from '@tollgate/contracts';
import type { Projection } from '@tollgate/event-sourcing';

/** entity_types: the current definition of every entity type, rebuilt from EntityTypeDefined. */
export const entityTypesProjection: Projection = {
  name: 'entity-types',
  tables: ['entity_types'],
  async apply(em: EntityManager, event: EventEnvelope): Promise<void> {
    if (event.type !== EntityTypeDefined.type) return;
    const data = event.data as { entity: string; primaryKey: string; fields: unknown[] };
    await em.query(
      `INSERT INTO entity_types (instance_id, name, primary_key, fields, defined_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (instance_id, name) DO UPDATE SET primary_key = excluded.primary_key, fields = excluded.fields,
         updated_at = excluded.updated_at`,
      [event.instanceId, data.entity, data.primaryKey, JSON.stringify(data.fields), event.occurredAt],
    );
  },
};
