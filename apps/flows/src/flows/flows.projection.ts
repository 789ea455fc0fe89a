import type { EntityManager } from 'typeorm';
import { FlowDefined, FlowDeleted, type EventEnvelope, type FlowDefinedV1 } from '@tollgate/contracts';
import type { Projection } from '@tollgate/event-sourcing';

/** flows: the current definition of every flow, rebuilt from FlowDefined / FlowDeleted. */
export const flowsProjection: Projection = {
  name: 'flows',
  tables: ['flows'],
  async apply(em: EntityManager, event: EventEnvelope): Promise<void> {
    if (event.type === FlowDeleted.type) {
      await em.query(`DELETE FROM flows WHERE flow_id = $1`, [event.aggregateId]);
      return;
    }
    if (event.type !== FlowDefined.type) return;
    const d = event.data as unknown as FlowDefinedV1;
    await em.query(
      `INSERT INTO flows (flow_id, instance_id, app, name, description, mode, timeout_ms, allow_anonymous, groups, steps,
                          version, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
       ON CONFLICT (flow_id) DO UPDATE SET app = excluded.app, name = excluded.name, description = excluded.description,
         mode = excluded.mode, timeout_ms = excluded.timeout_ms, allow_anonymous = excluded.allow_anonymous,
         groups = excluded.groups, steps = excluded.steps, version = excluded.version, updated_at = excluded.updated_at`,
      [
        event.aggregateId,
        event.instanceId,
        d.app,
        d.name,
        d.description ?? '',
        d.mode,
        d.timeoutMs ?? null,
        d.allowAnonymous ?? false,
        JSON.stringify(d.groups ?? []),
        JSON.stringify(d.steps ?? []),
        event.sequence,
        event.occurredAt,
      ],
    );
  },
};
