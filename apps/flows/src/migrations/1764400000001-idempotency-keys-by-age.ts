import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Idempotency keys are kept for a day; this index finds the expired ones to forget. */
export class IdempotencyKeysByAge1764400000001 implements MigrationInterface {
  name = 'IdempotencyKeysByAge1764400000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX run_idempotency_by_age ON run_idempotency (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS run_idempotency_by_age`);
  }
}
