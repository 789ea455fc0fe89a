import * as http from 'node:http';
import { Client } from 'pg';
import { PRINCIPAL_HEADER } from '@tollgate/auth';
import { eventually } from '@tollgate/testing';
import { principalOf, startQueryApp, type QueryApp } from '../testing/query-app.fixture';

/** A download whose client took the status line and headers, then stopped reading. */
interface StalledDownload {
  status: number;
  /** Reads the rest; true when the answer turns out cut short. */
  resume(): Promise<boolean>;
  destroy(): void;
}

describe('streamed reads whose clients stop reading (query service, real PostgreSQL)', () => {
  let app: QueryApp;
  let admin: Client;
  const hoarder = principalOf('inst_hoarder');
  const neighbour = principalOf('inst_neighbour');
  const downloads: StalledDownload[] = [];

  async function stall(path: string): Promise<StalledDownload> {
    const token = await app.tokens.sign(hoarder);
    return new Promise((resolve, reject) => {
      const req = http.get(`${app.url}${path}`, { headers: { [PRINCIPAL_HEADER]: token } }, (res) => {
        res.pause(); // nothing is read: the socket's buffers fill and the server has to wait
        const resume = () =>
          new Promise<boolean>((settle) => {
            res.once('error', () => settle(true));
            res.once('close', () => settle(!res.complete));
            res.resume();
          });
        const download = { status: res.statusCode ?? 0, resume, destroy: () => req.destroy() };
        downloads.push(download);
        resolve(download);
      });
      req.once('error', reject);
    });
  }

  const cursorsOpen = async () =>
    (
      await admin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND state <> 'idle' AND query LIKE 'SELECT%FROM records%'`,
        [app.db.name],
      )
    ).rows[0].n;

  beforeAll(async () => {
    app = await startQueryApp({ QUERY_POOL_SIZE: '2', QUERY_STREAM_POOL_SIZE: '3', QUERY_STREAMS_PER_INSTANCE: '2', QUERY_STREAM_STALL_MS: '4000' });
    admin = new Client({ connectionString: app.db.url });
    await admin.connect();
    for (const principal of [hoarder, neighbour]) {
      await app.call('POST', '/api/v1/entities', { principal, body: { name: 'bulk', primaryKey: 'id', fields: [{ name: 'body', type: 'string' }] } });
    }
    // About 80 MB as CSV: more than every buffer between the cursor and a client that reads nothing
    // (a socket's receive buffer alone may grow to 32 MB).
    const filler = 'x'.repeat(4000);
    for (let from = 0; from < 20_000; from += 2000) {
      const rows = Array.from({ length: 2000 }, (_, i) => ({ id: `r${from + i}`, title: `row ${from + i}`, body: filler }));
      await app.call('POST', '/api/v1/entities/bulk/batch', { principal: hoarder, body: { operations: [{ action: 'insert', rows }] } });
    }
    await app.call('POST', '/api/v1/entities/bulk/batch', { principal: neighbour, body: { operations: [{ action: 'insert', rows: [{ id: 'n1', title: 'mine' }] }] } });
  }, 60_000);
  afterAll(async () => {
    for (const d of downloads) d.destroy();
    await admin?.end();
    await app?.close();
  });

  it('takes no stream slot for an unlimited query whose records fit its first batch', async () => {
    // API.md's default is no limit: a client asking that of a small entity, many times at once, is
    // answered every time (the cursor is done after its first batch and holds nothing).
    const answers = await Promise.all(Array.from({ length: 8 }, () => app.call('GET', '/api/v1/entities/bulk.csv', { principal: neighbour })));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(answers.every((a) => String(a.body).includes('n1,mine'))).toBe(true);
  });

  it('takes no stream slot for several entities whose records all fit one batch, in every format', async () => {
    await app.call('POST', '/api/v1/entities', { principal: neighbour, body: { name: 'notes', primaryKey: 'id', fields: [] } });
    await app.call('POST', '/api/v1/entities/notes/batch', { principal: neighbour, body: { operations: [{ action: 'insert', rows: [{ id: 'o1', title: 'note' }] }] } });
    for (const format of ['json', 'csv', 'xml']) {
      const answers = await Promise.all(Array.from({ length: 8 }, () => app.call('GET', `/api/v1/query.${format}?entities=bulk,notes`, { principal: neighbour })));
      expect([format, answers.map((a) => a.status)]).toEqual([format, Array(8).fill(200)]);
      const text = format === 'json' ? JSON.stringify(answers[7].body) : String(answers[7].body);
      expect([format, text.includes('n1'), text.includes('o1')]).toEqual([format, true, true]);
    }
  });

  it('serves other instances while one instance stalls its exports, refuses it more than its share, and ends the stalled ones', async () => {
    const stalled = [await stall('/api/v1/entities/bulk.csv'), await stall('/api/v1/entities/bulk.csv')];
    expect(stalled.map((d) => d.status)).toEqual([200, 200]);

    const third = await app.call('GET', '/api/v1/entities/bulk.csv', { principal: hoarder });
    expect(third.status).toBe(429);
    expect(third.body.code).toBe('rate_limited');
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);

    const started = Date.now();
    const small = await app.call('GET', '/api/v1/query?entities=bulk&limit=1', { principal: neighbour });
    expect(small.status).toBe(200);
    expect(small.body.data.bulk).toEqual([expect.objectContaining({ id: 'n1', title: 'mine' })]);
    const exported = await app.call('GET', '/api/v1/entities/bulk.csv', { principal: neighbour });
    expect([exported.status, exported.body]).toEqual([200, expect.stringContaining('n1,mine')]);
    expect(Date.now() - started).toBeLessThan(1000); // no waiting for a stalled stream's connection
    expect(await cursorsOpen()).toBe(2);

    // Nobody read for QUERY_STREAM_STALL_MS: the cursors are closed, and the clients, once they
    // read again, find their answers cut short.
    await eventually(async () => expect(await cursorsOpen()).toBe(0), { timeoutMs: 10_000 });
    expect(await Promise.all(stalled.map((d) => d.resume()))).toEqual([true, true]);
    const again = await app.call('GET', '/api/v1/entities/bulk.csv?limit=5000', { principal: hoarder });
    expect(again.status).toBe(200);
  }, 30_000);
});
