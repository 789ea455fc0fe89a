import { randomBytes } from 'node:crypto';
import { eventually } from '@tollgate/testing';
import { columnsOf, selectColumns } from '../query/output-columns';
import { parseQuery } from '../query/parse-query';
import { recordsSql } from '../query/records-sql';
import { principalOf, startQueryApp, type QueryApp } from '../testing/query-app.fixture';

jest.setTimeout(60_000);

const INSTANCE = `inst_stats_${randomBytes(4).toString('hex')}`;

/**
 * A bulk load into a fresh table: until PostgreSQL has statistics that show the entity is large,
 * it plans a limit read as a read and sort of all its rows. The service analyses the table itself
 * once enough rows have changed, whether or not autovacuum would.
 */
describe('planner statistics after bulk ingest (query service, real PostgreSQL)', () => {
  let app: QueryApp;
  const admin = principalOf(INSTANCE);
  const type = { instanceId: INSTANCE, name: 'readings', primaryKey: 'id', fields: [{ name: 'value', type: 'number' as const }] };
  let next = 0;
  const rows = (n: number) => Array.from({ length: n }, () => ({ id: `r${++next}`, title: `reading ${next}`, value: next }));

  beforeAll(async () => {
    app = await startQueryApp();
    const res = await app.call('POST', '/api/v1/entities', { principal: admin, body: { name: type.name, primaryKey: 'id', fields: type.fields } });
    expect(res.status).toBe(201);
  });
  afterAll(() => app.close());

  const limitReadPlan = async () => {
    const parsed = parseQuery({ entities: type.name, limit: '10' }, { maxTimeoutMs: 25_000 });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    // Cheap columns only: the planner weighs what it computes per row, and a costly one (the
    // responsibilities' JSON) can make even an unanalysed table's index scan look the cheaper.
    const sql = recordsSql(parsed.plan, { instanceId: INSTANCE, entity: type.name }, selectColumns(columnsOf(type), ['id', 'value']), 'json');
    const plan: { 'QUERY PLAN': string }[] = await app.db.dataSource.query(`EXPLAIN ${sql.text}`, sql.values);
    return plan.map((r) => r['QUERY PLAN']).join('\n');
  };

  it('reads the newest records of a freshly loaded entity along the index, counting synchronous and asynchronous batches', async () => {
    // Autovacuum, where it runs, could analyse the table itself: only the service may here.
    await app.db.dataSource.query('ALTER TABLE records SET (autovacuum_enabled = false)');
    // A large entity the planner has no statistics for yet (loaded by SQL: faster than 60 calls).
    await app.db.dataSource.query(
      `INSERT INTO records (instance_id, entity, pk, id, title, created_at, updated_at, fields)
       SELECT $1, $2, 'bulk' || g, 'bulk' || g, 'bulk ' || g, now() - (g || ' seconds')::interval, now(), '{}'
         FROM generate_series(1, 300000) g`,
      [INSTANCE, type.name],
    );
    // Without statistics, the plan reads and sorts every row of the entity.
    expect(await limitReadPlan()).toMatch(/Sort Key/);

    for (let i = 0; i < 2; i++) {
      const res = await app.call('POST', `/api/v1/entities/${type.name}/batch`, { principal: admin, body: { operations: [{ action: 'insert', rows: rows(2_000) }] } });
      expect(res.body).toMatchObject({ status: 'ok', inserted: 2_000 });
    }
    // 4,000 rows so far; the task's 2,000 take the count past the threshold.
    const task = await app.call('POST', `/api/v1/entities/${type.name}/batch`, { principal: admin, body: { async: true, operations: [{ action: 'insert', rows: rows(2_000) }] } });
    expect(task.status).toBe(202);
    await eventually(async () => {
      const status = await app.call('GET', `/api/v1/tasks/${task.body.taskId}`, { principal: admin });
      expect(status.body.status).toBe('ok');
    });

    await eventually(async () => {
      const plan = await limitReadPlan();
      expect(plan).toContain('records_by_created');
      expect(plan).not.toMatch(/Sort Key|Seq Scan/);
    });
  });
});
