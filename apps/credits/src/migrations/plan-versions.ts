import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The version of the plan an account follows, as keys numbers it (the instance stream's sequence
 * of its last plan change): a plan change that arrives after a newer one is ignored. 0 for
 * accounts whose plan came without one.
 */
export class PlanVersions1764900000000 implements MigrationInterface {
  name = 'PlanVersions1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE credit_accounts ADD COLUMN plan_version integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE credit_accounts DROP COLUMN plan_version`);
  }
}
