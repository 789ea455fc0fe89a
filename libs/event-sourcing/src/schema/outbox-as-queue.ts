import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox becomes a plain queue of references:
 * - The relay deletes rows once Kafka has them, instead of marking them and pruning a day later.
 *   The events table already keeps the history, so the published copies only cost: an update that
 *   rewrote every row and its index entries, then a minute-ly bulk delete that, at ten thousand
 *   events a second, removed over half a million rows in one statement and stalled every writer.
 * - A row for an event appended to a stream carries no payload: the relay reads the event, written
 *   in the same transaction. Only events that belong to no stream carry their envelope. Each event
 *   was written (and its bytes sent to the database and logged) twice before.
 */
export class OutboxAsQueue1764000000002 implements MigrationInterface {
  name = 'OutboxAsQueue1764000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM outbox WHERE published_at IS NOT NULL`);
    await q.query(`DROP INDEX IF EXISTS outbox_unpublished`);
    await q.query(`ALTER TABLE outbox DROP COLUMN published_at`);
    await q.query(`ALTER TABLE outbox ALTER COLUMN payload DROP NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE outbox o SET payload = (jsonb_build_object(
               'id', e.event_id, 'type', e.type, 'version', e.type_version, 'instanceId', e.instance_id,
               'aggregateId', e.stream_id, 'sequence', e.version,
               'occurredAt', to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'data', e.data) || e.metadata)::text
        FROM events e WHERE o.payload IS NULL AND e.event_id = o.event_id`);
    await q.query(`ALTER TABLE outbox ALTER COLUMN payload SET NOT NULL`);
    await q.query(`ALTER TABLE outbox ADD COLUMN published_at timestamptz`);
    await q.query(`CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL`);
  }
}
