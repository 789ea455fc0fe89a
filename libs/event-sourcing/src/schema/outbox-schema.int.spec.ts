import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { eventSourcingMigrations } from '.';

describe('outbox table (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(eventSourcingMigrations, 'outboxschema');
  });
  afterAll(() => db.drop());

  it('is vacuumed without waiting for writers to let go of it', async () => {
    // Empty pages at the end of the table, as the relay leaves them once it has deleted what it published.
    await db.dataSource.query(`INSERT INTO outbox (event_id, topic, message_key, payload) SELECT gen_random_uuid(), 't', 'k', repeat('x', 200) FROM generate_series(1, 2000)`);
    await db.dataSource.query(`DELETE FROM outbox`);
    const writer = new Client({ connectionString: db.url });
    await writer.connect();
    try {
      // A writer in the middle of a transaction that inserts into the outbox.
      await writer.query(`BEGIN; LOCK TABLE outbox IN ROW EXCLUSIVE MODE`);
      const started = Date.now();
      await db.dataSource.query(`VACUUM outbox`);
      // A vacuum that gives the pages back needs the exclusive lock and retries for five seconds.
      expect(Date.now() - started).toBeLessThan(2500);
    } finally {
      await writer.query('ROLLBACK');
      await writer.end();
    }
  });
});
