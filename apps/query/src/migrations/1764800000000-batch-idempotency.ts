import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The answers batch calls sent with an `Idempotency-Key` got, for a day: a loader that lost the
 * answer to a network error sends the call again with the same key and hears the same answer
 * (the same counts, or the same task) instead of applying it twice. Also the index that finds an
 * instance's most recent tasks.
 */
export class BatchIdempotency1764800000000 implements MigrationInterface {
  name = 'BatchIdempotency1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE batch_idempotency (
        instance_id text NOT NULL,
        entity      text NOT NULL,
        idem_key    text NOT NULL,
        fingerprint text NOT NULL,
        answer      jsonb,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (instance_id, entity, idem_key)
      )`);
    await q.query(`CREATE INDEX batch_idempotency_by_age ON batch_idempotency (created_at)`);
    // GET /api/v1/tasks: an instance's most recent tasks.
    await q.query(`CREATE INDEX batch_tasks_by_instance ON batch_tasks (instance_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS batch_tasks_by_instance`);
    await q.query(`DROP TABLE IF EXISTS batch_idempotency`);
  }
}
