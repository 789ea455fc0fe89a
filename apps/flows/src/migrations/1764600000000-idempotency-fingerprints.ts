import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a trigger with an Idempotency-Key asked for (a digest of its content type and body), so that
 * the key sent again with another body is refused instead of answered with the first run. Keys
 * claimed before this have none and answer as before.
 */
export class IdempotencyFingerprints1764600000000 implements MigrationInterface {
  name = 'IdempotencyFingerprints1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE run_idempotency ADD COLUMN fingerprint text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE run_idempotency DROP COLUMN fingerprint`);
  }
}
