import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Request ids closed by a final refund (`ChargeVoided`). A voided id that was never charged gets a
 * row of its own, costing nothing and refunded at once (so usage and audits pass over it): the
 * ledger's primary key is what stops a late debit with that id from charging.
 */
export class ChargeVoids1764400000000 implements MigrationInterface {
  name = 'ChargeVoids1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE credit_charges ADD COLUMN closed boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE credit_charges DROP CONSTRAINT credit_charges_cost_check`);
    await q.query(`ALTER TABLE credit_charges ADD CONSTRAINT credit_charges_cost_check CHECK (cost > 0 OR (cost = 0 AND closed))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM credit_charges WHERE cost = 0`);
    await q.query(`ALTER TABLE credit_charges DROP CONSTRAINT credit_charges_cost_check`);
    await q.query(`ALTER TABLE credit_charges ADD CONSTRAINT credit_charges_cost_check CHECK (cost > 0)`);
    await q.query(`ALTER TABLE credit_charges DROP COLUMN closed`);
  }
}
