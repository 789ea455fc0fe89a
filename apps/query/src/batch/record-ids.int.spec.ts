import { eventually } from '@tollgate/testing';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { principalOf, startQueryApp, type QueryApp } from '../testing/query-app.fixture';

jest.setTimeout(30_000);

const INSTANCE = `inst_ids_${randomBytes(4).toString('hex')}`;

/**
 * `id` is every record's identity (GraphQL's `ID!`), also when the primary key is another field:
 * no batch may leave two records of one entity with the same id.
 */
describe('record ids stay unique per entity (query service, real PostgreSQL)', () => {
  let app: QueryApp;
  const admin = principalOf(INSTANCE);
  const batch = (name: string, body: unknown) => app.call('POST', `/api/v1/entities/${name}/batch`, { principal: admin, body });
  const stored = async (name: string) =>
    ((await app.call('GET', `/api/v1/entities/${name}?sort=alpha&order=asc`, { principal: admin })).body.data[name] as { id: string; code: string; title: string }[]).map(
      (r) => [r.code, r.id, r.title],
    );

  beforeAll(async () => {
    app = await startQueryApp();
    for (const name of ['orders', 'invoices']) {
      const res = await app.call('POST', '/api/v1/entities', {
        principal: admin,
        body: { name, primaryKey: 'code', fields: [{ name: 'code', type: 'string' }] },
      });
      expect(res.status).toBe(201);
    }
    expect((await batch('orders', { operations: [{ action: 'insert', rows: [
      { code: 'a', id: 'X', title: 'a' },
      { code: 'b', id: 'Y', title: 'b' },
      { code: 'c', title: 'c' },
    ] }] })).status).toBe(200);
  });
  afterAll(() => app.close());

  it('refuses an insert or insertOrUpdate that gives a record the id another one holds, writing nothing', async () => {
    const before = await stored('orders');
    for (const [operations, field, message] of [
      [[{ action: 'insert', rows: [{ code: 'd', id: 'Z' }, { code: 'e', id: 'X' }] }], 'operations.0.rows.1.id', 'id X is already the id of the record with code a'],
      [[{ action: 'insertOrUpdate', rows: [{ code: 'd', id: 'Y' }] }], 'operations.0.rows.0.id', 'id Y is already the id of the record with code b'],
      // an existing record given another's id
      [[{ action: 'insertOrUpdate', rows: [{ code: 'c', title: 'c2' }, { code: 'b', id: 'X' }] }], 'operations.0.rows.1.id', 'id X is already the id of the record with code a'],
      // within one operation, and across the operations of one call
      [[{ action: 'insert', rows: [{ code: 'd', id: 'W' }, { code: 'e', id: 'W' }] }], 'operations.0.rows.1.id', 'id W is also given to the record with code d in row 0'],
      [[{ action: 'insert', rows: [{ code: 'd', id: 'W' }] }, { action: 'insertOrUpdate', rows: [{ code: 'e', id: 'W' }] }], 'operations.1.rows.0.id', 'id W is already the id of the record with code d'],
    ] as const) {
      const res = await batch('orders', { operations });
      expect([res.status, res.body.code, res.body.errors]).toEqual([400, 'validation_failed', [{ field, message }]]);
    }
    expect(await stored('orders')).toEqual(before);
  });

  it('lets a record keep or restate its own id, another entity use the same id, and a freed id be given again', async () => {
    const same = await batch('orders', { operations: [{ action: 'insertOrUpdate', rows: [{ code: 'a', id: 'X', title: 'a2' }, { code: 'b', title: 'b2' }] }] });
    expect([same.status, same.body.updated]).toEqual([200, 2]);
    expect((await batch('invoices', { operations: [{ action: 'insert', rows: [{ code: 'a', id: 'X' }] }] })).status).toBe(200);
    // The id moves: b gives up Y in one operation, d takes it in the next; a is deleted, e takes X.
    const moved = await batch('orders', {
      operations: [
        { action: 'insertOrUpdate', rows: [{ code: 'b', id: 'Y2' }] },
        { action: 'insert', rows: [{ code: 'd', id: 'Y', title: 'd' }] },
        { action: 'delete', rows: ['a'] },
        { action: 'insertOrUpdate', rows: [{ code: 'e', id: 'X', title: 'e' }] },
      ],
    });
    expect(moved.status).toBe(200);
    const ids = (await stored('orders')).map(([code, id]) => [code, id]);
    expect(ids.filter(([code]) => code !== 'c')).toEqual([['b', 'Y2'], ['d', 'Y'], ['e', 'X']]);
    expect(new Set(ids.map(([, id]) => id)).size).toBe(ids.length);
  });

  it('refuses a duplicate id in an async batch as a failed task naming the row', async () => {
    const res = await batch('orders', { async: true, operations: [{ action: 'insert', rows: [{ code: 'f', id: 'Y' }] }] });
    expect(res.status).toBe(202);
    await eventually(async () => {
      const task = await app.call('GET', `/api/v1/tasks/${res.body.taskId}`, { principal: admin });
      expect(task.body).toMatchObject({ status: 'error', errors: [{ field: 'operations.0.rows.0.id', message: 'id Y is already the id of the record with code d' }] });
    });
  });

  it('refuses the later of two concurrent batches giving one id, naming the row, though neither saw the other when it checked', async () => {
    // Another writer holds id R in a transaction not yet committed: the batch's check cannot see
    // it, the unique index makes the batch wait for it, and once it commits the batch is refused.
    const other = new Client({ connectionString: app.db.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(
        `INSERT INTO records (instance_id, entity, pk, id, created_at, updated_at) VALUES ($1, 'orders', 'r1', 'R', now(), now())`,
        [INSTANCE],
      );
      const pending = batch('orders', { operations: [{ action: 'insert', rows: [{ code: 'g', id: 'T' }, { code: 'r2', id: 'R' }] }] });
      // The batch has checked and now waits on the index entry of the uncommitted row.
      await eventually(async () => {
        const waiting = await app.db.dataSource.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        expect(waiting).toHaveLength(1);
      });
      await other.query('COMMIT');
      const res = await pending;
      expect([res.status, res.body.errors]).toEqual([400, [{ field: 'operations.0.rows.1.id', message: 'id R is already the id of the record with code r1' }]]);
    } finally {
      await other.end();
    }
    expect((await stored('orders')).map(([code]) => code)).not.toContain('g');
  });
});
