import { Client } from 'pg';
import { eventually } from '@tollgate/testing';
import { principalOf, startQueryApp, type QueryApp } from '../testing/query-app.fixture';

describe("one instance's reads take at most its share of the pool (query service, real PostgreSQL)", () => {
  let app: QueryApp;
  let locker: Client;
  const busy = principalOf('inst_many_reads');
  const other = principalOf('inst_one_read');
  const waitingReads = async () => Number((await locker.query(`SELECT count(*) AS n FROM pg_locks WHERE relation = 'records'::regclass AND NOT granted`)).rows[0].n);

  beforeAll(async () => {
    app = await startQueryApp({ QUERY_POOL_SIZE: '2', QUERY_READS_PER_INSTANCE: '1', QUERY_POOL_WAIT_MS: '500' });
    for (const principal of [busy, other]) {
      await app.call('POST', '/api/v1/entities', { principal, body: { name: 'notes', primaryKey: 'id', fields: [] } });
      await app.call('POST', '/api/v1/entities/notes/batch', { principal, body: { operations: [{ action: 'insert', rows: [{ id: 'n1', title: principal.instanceId }] }] } });
    }
    locker = new Client({ connectionString: app.db.url });
    await locker.connect();
  });
  afterAll(async () => {
    await locker?.end();
    await app?.close();
  });

  it("serves another instance while one instance's reads wait, and answers that instance's surplus 503", async () => {
    // Every read of records waits on this lock while it holds its connection: slow reads.
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE records IN ACCESS EXCLUSIVE MODE');
    const first = app.call('GET', '/api/v1/query?entities=notes&limit=5', { principal: busy });
    await eventually(async () => expect(await waitingReads()).toBe(1));
    // A second read of the same instance: past its share, it waits for the first, holding no connection.
    const surplus = app.call('GET', '/api/v1/query?entities=notes&limit=5', { principal: busy });
    await new Promise((r) => setTimeout(r, 200)); // it has reached the service before the other instance's read
    const another = app.call('GET', '/api/v1/query?entities=notes&limit=5', { principal: other });
    // The other instance's read has the pool's second connection (before, the surplus read had it).
    await eventually(async () => expect(await waitingReads()).toBe(2));
    const refused = await surplus;
    expect([refused.status, refused.body.code, refused.headers.get('retry-after')]).toEqual([503, 'unavailable', '1']);

    await locker.query('COMMIT');
    const [mine, theirs] = await Promise.all([first, another]);
    expect([mine.status, mine.body.data.notes[0].title]).toEqual([200, 'inst_many_reads']);
    expect([theirs.status, theirs.body.data.notes[0].title]).toEqual([200, 'inst_one_read']);
    // With its reads done, the instance has its share back.
    expect((await app.call('GET', '/api/v1/query?entities=notes&limit=5', { principal: busy })).status).toBe(200);
  });
});
