import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { eventSourcingMigrations } from '../schema';
import { queryPrepared } from './prepared-query';

describe('prepared queries (real PostgreSQL)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(eventSourcingMigrations, 'prepared');
    await db.dataSource.query(`CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)`);
  });
  afterAll(() => db.drop());

  const SELECT_NOTE = `SELECT body FROM notes WHERE id = $1`;

  it("runs inside the caller's transaction: it sees the transaction's own writes, and they roll back with it", async () => {
    await db.dataSource
      .transaction(async (em) => {
        await queryPrepared(em, `INSERT INTO notes (id, body) VALUES ($1, $2)`, [1, 'draft']);
        expect(await queryPrepared(em, SELECT_NOTE, [1])).toEqual([{ body: 'draft' }]);
        // Another connection does not see it before the commit.
        expect(await queryPrepared(db.dataSource, SELECT_NOTE, [1])).toEqual([]);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await queryPrepared(db.dataSource, SELECT_NOTE, [1])).toEqual([]);
  });

  it('prepares each text once per connection and reuses it with new values', async () => {
    await db.dataSource.query(`INSERT INTO notes (id, body) VALUES (2, 'two'), (3, 'three')`);
    await db.dataSource.transaction(async (em) => {
      expect(await queryPrepared(em, SELECT_NOTE, [2])).toEqual([{ body: 'two' }]);
      expect(await queryPrepared(em, SELECT_NOTE, [3])).toEqual([{ body: 'three' }]);
      const prepared: { statement: string }[] = await em.query(`SELECT statement FROM pg_prepared_statements`);
      expect(prepared.filter((p) => p.statement === SELECT_NOTE)).toHaveLength(1);
    });
  });
});
