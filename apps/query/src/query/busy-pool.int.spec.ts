import { Client } from 'pg';
import { eventually } from '@tollgate/testing';
import { principalOf, startQueryApp, type QueryApp } from '../testing/query-app.fixture';

describe('reads that find every connection busy (query service, real PostgreSQL)', () => {
  let app: QueryApp;
  let locker: Client;
  const reader = principalOf('inst_busy');

  beforeAll(async () => {
    app = await startQueryApp({ QUERY_POOL_SIZE: '1', QUERY_POOL_WAIT_MS: '300' });
    await app.call('POST', '/api/v1/entities', { principal: reader, body: { name: 'notes', primaryKey: 'id', fields: [] } });
    await app.call('POST', '/api/v1/entities/notes/batch', { principal: reader, body: { operations: [{ action: 'insert', rows: [{ id: 'n1', title: 'first' }] }] } });
    locker = new Client({ connectionString: app.db.url });
    await locker.connect();
  });
  afterAll(async () => {
    await locker?.end();
    await app?.close();
  });

  it('answers 503 busy with Retry-After when its pool stays full, and serves the waiting read once the pool frees', async () => {
    // Every read of records waits on this lock while it holds the pool's only connection.
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE records IN ACCESS EXCLUSIVE MODE');
    const first = app.call('GET', '/api/v1/query?entities=notes&limit=5', { principal: reader });
    await eventually(async () => {
      const waiting = await locker.query(`SELECT 1 FROM pg_locks WHERE relation = 'records'::regclass AND NOT granted`);
      expect(waiting.rowCount).toBe(1); // the first read holds the connection, waiting on the lock
    });

    const second = await app.call('GET', '/api/v1/query?entities=notes&limit=5', { principal: reader });
    expect(second.status).toBe(503);
    expect(second.body).toMatchObject({ status: 'error', code: 'unavailable', message: expect.stringContaining('busy') });
    expect(second.headers.get('retry-after')).toBe('1');

    await locker.query('COMMIT');
    const answered = await first;
    expect(answered.status).toBe(200);
    expect(answered.body.data.notes).toEqual([expect.objectContaining({ id: 'n1', title: 'first' })]);
    const after = await app.call('GET', '/api/v1/query?entities=notes&limit=5', { principal: reader });
    expect(after.status).toBe(200);
  });
});
