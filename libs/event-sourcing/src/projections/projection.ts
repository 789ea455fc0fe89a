import type { EntityManager } from 'typeorm';
import type { EventEnvelope } from '@tollgate/contracts';

/**
 * A read model kept in the same transaction as the events it is built from. It must be a pure
 * function of the event sequence so that replaying the store rebuilds it exactly.
 */
export interface Projection {
  readonly name: string;
  /** Tables this projection owns entirely; emptied before a rebuild. */
  readonly tables: readonly string[];
  apply(em: EntityManager, event: EventEnvelope): Promise<void>;
}

export async function applyProjections(
  em: EntityManager,
  projections: readonly Projection[],
  events: readonly EventEnvelope[],
): Promise<void> {
  for (const event of events) {
    for (const projection of projections) await projection.apply(em, event);
  }
}
