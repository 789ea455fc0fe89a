import type { MigrationInterface, QueryRunner } from 'typeorm';

export const OUTBOX_CHANNEL = 'tollgate_outbox';

/**
 * The tables every event-sourced service owns: the event store, the outbox and the record of
 * events each consumer group has applied. Services list this migration first in their own list.
 * WARNING: stored data depends on these names; change them only with a new migration.
 */
export class EventSourcingTables1764000000000 implements MigrationInterface {
  name = 'EventSourcingTables1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE events (
        position     bigserial PRIMARY KEY,
        event_id     uuid NOT NULL UNIQUE,
        stream_id    text NOT NULL,
        version      integer NOT NULL CHECK (version > 0),
        instance_id  text NOT NULL,
        type         text NOT NULL,
        type_version integer NOT NULL,
        data         jsonb NOT NULL,
        metadata     jsonb NOT NULL DEFAULT '{}'::jsonb,
        occurred_at  timestamptz NOT NULL,
        CONSTRAINT events_stream_version UNIQUE (stream_id, version)
      )`);
    await q.query(`
      CREATE TABLE outbox (
        id           bigserial PRIMARY KEY,
        event_id     uuid NOT NULL,
        topic        text NOT NULL,
        message_key  text NOT NULL,
        payload      text NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
        published_at timestamptz
      )`);
    await q.query(`CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL`);
    await q.query(`
      CREATE TABLE processed_events (
        consumer_group text NOT NULL,
        event_id       uuid NOT NULL,
        processed_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, event_id)
      )`);
    // Dropped again by OutboxWithoutNotify1764000000001: NOTIFY serialises commits cluster-wide.
    await q.query(`
      CREATE FUNCTION notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_notify('${OUTBOX_CHANNEL}', ''); RETURN NULL; END $$`);
    await q.query(`
      CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
      FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS outbox_notify ON outbox`);
    await q.query(`DROP FUNCTION IF EXISTS notify_outbox()`);
    await q.query(`DROP TABLE IF EXISTS processed_events, outbox, events`);
  }
}
