import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether an account has a plan yet. A final refund may come for an instance before its plan (a
 * debit refused then, whose call was given up on): its id is closed all the same, which writes the
 * account's row; that row is no plan, and the plan that comes later starts its pool on its own
 * local day. Rows written so before this column still have the empty state's day.
 */
export class AccountPlans1765000000000 implements MigrationInterface {
  name = 'AccountPlans1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE credit_accounts ADD COLUMN has_plan boolean NOT NULL DEFAULT true`);
    await q.query(`UPDATE credit_accounts SET has_plan = false WHERE day = '1970-01-01'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE credit_accounts DROP COLUMN has_plan`);
  }
}
