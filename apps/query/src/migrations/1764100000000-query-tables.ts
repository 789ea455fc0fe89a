import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Entity types (a projection of EntityTypeDefined), records, per-entity counts and batch tasks.
 * WARNING: stored data depends on these names; change them only with a new migration.
 */
export class QueryTables1764100000000 implements MigrationInterface {
  name = 'QueryTables1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE entity_types (
        instance_id text NOT NULL,
        name        text NOT NULL,
        primary_key text NOT NULL,
        fields      jsonb NOT NULL,
        defined_at  timestamptz NOT NULL,
        updated_at  timestamptz NOT NULL,
        PRIMARY KEY (instance_id, name)
      )`);
    // Counting tens of millions of rows on every listing is too slow: batches keep this exact.
    await q.query(`
      CREATE TABLE entity_counts (
        instance_id  text NOT NULL,
        entity       text NOT NULL,
        record_count bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (instance_id, entity)
      )`);
    await q.query(`
      CREATE TABLE records (
        instance_id      text NOT NULL,
        entity           text NOT NULL,
        pk               text NOT NULL,
        id               text NOT NULL,
        title            text NOT NULL DEFAULT '',
        created_at       timestamptz NOT NULL,
        updated_at       timestamptz NOT NULL,
        fields           jsonb NOT NULL DEFAULT '{}'::jsonb,
        responsibilities jsonb,
        responsible_users text[] NOT NULL DEFAULT '{}',
        PRIMARY KEY (instance_id, entity, pk)
      )`);
    // One index per sort; the period filter (created_at) rides on the first. pk breaks ties so
    // paging and limits are deterministic.
    await q.query(`CREATE INDEX records_by_created ON records (instance_id, entity, created_at, pk)`);
    await q.query(`CREATE INDEX records_by_updated ON records (instance_id, entity, updated_at, pk)`);
    await q.query(`CREATE INDEX records_by_title ON records (instance_id, entity, lower(title), pk)`);
    await q.query(`CREATE INDEX records_by_responsible ON records USING gin (responsible_users)`);
    await q.query(`
      CREATE TABLE batch_tasks (
        id          text PRIMARY KEY,
        instance_id text NOT NULL,
        entity      text NOT NULL,
        status      text NOT NULL CHECK (status IN ('pending', 'ok', 'error')),
        operations  jsonb,
        result      jsonb,
        error       jsonb,
        request_id  text,
        created_at  timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX batch_tasks_pending ON batch_tasks (created_at) WHERE status = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS batch_tasks, records, entity_counts, entity_types`);
  }
}
