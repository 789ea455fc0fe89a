import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read models of the credit-account streams: the balance snapshot each command locks, and one row
 * per charged request (idempotency, refunds, usage). Both are rebuilt from the event store.
 * WARNING: stored data depends on these names; change them only with a new migration.
 */
export class CreditLedgerTables1764100000000 implements MigrationInterface {
  name = 'CreditLedgerTables1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE credit_accounts (
        instance_id text PRIMARY KEY,
        daily_allowance integer NOT NULL CHECK (daily_allowance >= 0),
        remaining integer NOT NULL CHECK (remaining >= 0),
        timezone text NOT NULL,
        day text NOT NULL,
        resets_at timestamptz NOT NULL,
        version integer NOT NULL
      )`);
    await q.query(`CREATE INDEX credit_accounts_resets_at ON credit_accounts (resets_at)`);
    await q.query(`
      CREATE TABLE credit_charges (
        instance_id text NOT NULL,
        request_id text NOT NULL,
        key_id text,
        user_id text,
        entities text[] NOT NULL,
        cost integer NOT NULL CHECK (cost > 0),
        day text NOT NULL,
        charged_at timestamptz NOT NULL,
        refunded_at timestamptz,
        PRIMARY KEY (instance_id, request_id)
      )`);
    await q.query(`CREATE INDEX credit_charges_day ON credit_charges (instance_id, day)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS credit_charges, credit_accounts`);
  }
}
