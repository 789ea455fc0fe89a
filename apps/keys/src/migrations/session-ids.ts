import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An id for each console session, so that its end can be announced (`SessionEnded`) without its
 * token or the token's hash. Sessions open before this get one too.
 */
export class SessionIds1764500000000 implements MigrationInterface {
  name = 'SessionIds1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sessions ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid()`);
    await q.query(`CREATE UNIQUE INDEX sessions_id ON sessions (id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sessions DROP COLUMN id`);
  }
}
