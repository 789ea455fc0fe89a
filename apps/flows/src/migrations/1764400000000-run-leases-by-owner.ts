import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every flows process renews the leases of the runs it holds every third of a lease, by owner.
 * Without an index that was a scan of every run ever kept; finished runs have no owner, so an
 * index of owned rows only holds the runs in flight.
 */
export class RunLeasesByOwner1764400000000 implements MigrationInterface {
  name = 'RunLeasesByOwner1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX run_details_by_owner ON run_details (owner) WHERE owner IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS run_details_by_owner`);
  }
}
