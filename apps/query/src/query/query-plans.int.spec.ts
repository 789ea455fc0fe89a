import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { queryMigrations } from '../migrations';
import { heldIdsSql } from '../records/apply-operations';
import { columnsOf } from './output-columns';
import { parseQuery } from './parse-query';
import { recordsSql } from './records-sql';

/**
 * The storage promise: on a table of many instances and entities, the sorts and the period filter
 * read through the (instance_id, entity, <sort>, pk) indexes instead of scanning and sorting.
 */
describe('query plans (real PostgreSQL)', () => {
  let db: TestDatabase;
  const type = { instanceId: 'big', name: 'actions', primaryKey: 'id', fields: [{ name: 'status', type: 'string' as const }] };

  beforeAll(async () => {
    db = await createTestDatabase(queryMigrations, 'plans');
    await db.dataSource.query(`
      INSERT INTO records (instance_id, entity, pk, id, title, created_at, updated_at, fields)
      SELECT 'inst' || (g % 20), CASE WHEN g % 3 = 0 THEN 'actions' ELSE 'graphs' END, g::text, g::text, 'title ' || g,
             timestamptz '2025-01-01' + (g || ' minutes')::interval, timestamptz '2025-01-01' + ((g * 7919) % 300000 || ' minutes')::interval,
             jsonb_build_object('status', 'open')
        FROM generate_series(1, 200000) g`);
    await db.dataSource.query(`
      INSERT INTO records (instance_id, entity, pk, id, title, created_at, updated_at, fields)
      SELECT 'big', 'actions', g::text, g::text, 'title ' || g, timestamptz '2025-01-01' + (g || ' minutes')::interval, now(), '{}'
        FROM generate_series(1, 100000) g`);
    await db.dataSource.query('ANALYZE records');
  }, 120_000);
  afterAll(() => db.drop());

  const plan = async (query: Record<string, string>) => {
    const parsed = parseQuery({ entities: 'actions', ...query }, { maxTimeoutMs: 25_000 });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const sql = recordsSql(parsed.plan, { instanceId: 'big', entity: 'actions' }, columnsOf(type), 'json');
    const rows: { 'QUERY PLAN': string }[] = await db.dataSource.query(`EXPLAIN ${sql.text}`, sql.values);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  };

  it.each([
    [{ limit: '10' }, 'records_by_created'],
    [{ limit: '10', order: 'asc' }, 'records_by_created'],
    [{ limit: '10', sort: 'updated' }, 'records_by_updated'],
    [{ limit: '10', sort: 'alpha', order: 'asc' }, 'records_by_title'],
    [{ from: '2025-02-01', to: '2025-02-03' }, 'records_by_created'],
    [{ from: '2025-02-01', to: '2025-02-03', limit: '50', order: 'asc' }, 'records_by_created'],
  ])('%j reads through %s, never scanning the table', async (query, index) => {
    const text = await plan(query);
    expect(text).toContain(index);
    expect(text).not.toMatch(/Seq Scan/);
    // With a limit, the index order is the result order: no sort, only the rows returned are read.
    if ('limit' in query) expect(text).not.toMatch(/Sort Key/);
  });

  it('keeps one plan for a prepared limit read, and that plan walks the index', async () => {
    // What the reader does: the same statement text, prepared once, run for many instances.
    const parsed = parseQuery({ entities: 'actions', limit: '10' }, { maxTimeoutMs: 25_000 });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const sql = recordsSql(parsed.plan, { instanceId: 'big', entity: 'actions' }, columnsOf(type), 'json');
    const runner = db.dataSource.createQueryRunner();
    try {
      await runner.query(`PREPARE limit_read AS ${sql.text}`);
      for (let i = 0; i < 8; i++) await runner.query(`EXECUTE limit_read('inst${i}', 'actions')`);
      const rows: { 'QUERY PLAN': string }[] = await runner.query(`EXPLAIN EXECUTE limit_read('big', 'actions')`);
      const text = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(text).toMatch(/instance_id = \$1/); // the generic plan: made once, not per call
      expect(text).toContain('records_by_created');
      expect(text).not.toMatch(/Seq Scan|Sort Key/);
    } finally {
      await runner.query('DEALLOCATE ALL').catch(() => undefined);
      await runner.release();
    }
  });

  it('finds who holds the ids a batch gives through records_by_id, never scanning the table', async () => {
    const given = Array.from({ length: 5000 }, (_, j) => ({ j, pk: `new${j}`, id: String(j * 17) }));
    const sql = heldIdsSql({ instanceId: 'big', entity: 'actions' }, given);
    const rows: { 'QUERY PLAN': string }[] = await db.dataSource.query(`EXPLAIN ${sql.text}`, sql.values);
    const text = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toContain('records_by_id');
    expect(text).not.toMatch(/Seq Scan on records/);
  });
});
