import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Failed console logins by account and client, counted here so that every gateway counts the
 * same. The columns are the ones rate-limiter-flexible's PostgreSQL store reads and writes
 * (WARNING: renaming them breaks it); `key` is a digest, never an address or an email.
 */
export class LoginFailures1764900000000 implements MigrationInterface {
  name = 'LoginFailures1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE login_failures (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE login_failures`);
  }
}
