import type { DataSource } from 'typeorm';
import { rowToEnvelope } from '../event-store/event-store';
import { applyProjections, type Projection } from './projection';

/**
 * Empties the projections' tables and replays the whole event store into them, in one transaction:
 * readers see either the old read model or the rebuilt one. Returns the number of events replayed.
 */
export async function rebuildProjections(
  dataSource: DataSource,
  projections: readonly Projection[],
  batchSize = 1000,
): Promise<number> {
  return dataSource.transaction(async (em) => {
    const tables = projections.flatMap((p) => p.tables);
    if (tables.length) await em.query(`TRUNCATE ${tables.map((t) => `"${t}"`).join(', ')}`);
    let after = '0';
    let replayed = 0;
    for (;;) {
      const rows = await em.query(
        `SELECT position, event_id, stream_id, version, instance_id, type, type_version, data, metadata, occurred_at
           FROM events WHERE position > $1 ORDER BY position LIMIT $2`,
        [after, batchSize],
      );
      if (rows.length === 0) return replayed;
      await applyProjections(em, projections, rows.map(rowToEnvelope));
      replayed += rows.length;
      after = rows[rows.length - 1].position;
    }
  });
}
