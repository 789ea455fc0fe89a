import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A vacuum of the outbox no longer gives its empty pages back to the operating system. The relay
 * deletes every row it publishes, so a vacuum finds the whole table empty and tries to truncate
 * it, which needs the table's exclusive lock: it retries for up to five seconds while writers
 * keep inserting, holding up the relay (which vacuums on its own connection), and once it has the
 * lock every writer waits behind it. The pages would be needed again a moment later anyway.
 */
export class OutboxKeepsItsPages1764300000000 implements MigrationInterface {
  name = 'OutboxKeepsItsPages1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox SET (vacuum_truncate = false)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox RESET (vacuum_truncate)`);
  }
}
