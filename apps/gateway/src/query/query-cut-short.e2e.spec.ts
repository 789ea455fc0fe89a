import { Client } from 'pg';
import { PRINCIPAL_HEADER, PrincipalTokens } from '@tollgate/auth';
import { api, e2ePlatform, eventually } from '@tollgate/testing';
import { createInstance, url, type TestInstance } from '../identity/identity-e2e.fixture';
import { defineAndLoad, remaining, withKey } from './query-e2e.fixture';

/** Queries that end before their last byte: who pays depends on who ended them. */
describe('a query cut short, through the gateway (e2e)', () => {
  let t: TestInstance;
  let key: string;

  beforeAll(async () => {
    t = await createInstance();
    key = t.orgKey;
    await defineAndLoad(key, 'actions', [{ name: 'status', type: 'string' }], [{ id: 'a1', title: 'Write report', status: 'open' }]);
  });

  it('cancels a query over its time limit, answers 504 and refunds it', async () => {
    const [blocker, watcher] = [new Client({ connectionString: e2ePlatform().databaseUrls.query }), new Client({ connectionString: e2ePlatform().databaseUrls.query })];
    await Promise.all([blocker.connect(), watcher.connect()]);
    const before = await remaining(key);
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE records IN ACCESS EXCLUSIVE MODE');
      // With an id of the client's own: the refund must find the charge that id was given.
      const answer = api<any>('GET', url('/api/v1/query.csv?entities=actions&timeout=1500'), { headers: { ...withKey(key), 'x-request-id': 'client-trace-8' } });
      await eventually(async () => expect((await watcher.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rows).toHaveLength(1));
      // Meanwhile the instance spends 3 credits elsewhere (another gateway, a flow).
      const system = await new PrincipalTokens(e2ePlatform().internalSecret).tokenFor({ instanceId: t.instanceId, kind: 'system', scopes: [] });
      const spent = await api('POST', `${e2ePlatform().urls.credits}/debits`, { headers: { [PRINCIPAL_HEADER]: system }, body: { requestId: `elsewhere-${Date.now()}`, cost: 3, entities: ['actions'] } });
      expect(spent.status).toBe(200);
      const res = await answer;
      expect(res.status).toBe(504);
      expect(res.body.code).toBe('timeout');
      // What remains once refunded, as credits counts it: not this request's view from before.
      expect([res.headers.get('x-credits-cost'), res.headers.get('x-credits-remaining')]).toEqual(['0', String(before - 3)]);
      // Cancelled in the database: while the lock is still held, no read of records waits on.
      await eventually(async () => {
        const { rows } = await watcher.query(
          `SELECT query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        expect(rows).toEqual([]);
      });
    } finally {
      await blocker.query('ROLLBACK');
      await Promise.all([blocker.end(), watcher.end()]);
    }
    await eventually(async () => expect(await remaining(key)).toBe(before - 3));
    // The gateway's refunds are final: the charge's id is closed, so no late debit of it could charge.
    const ledger = new Client({ connectionString: e2ePlatform().databaseUrls.credits });
    await ledger.connect();
    try {
      const { rows } = await ledger.query(
        `SELECT refunded_at IS NOT NULL AS refunded, closed FROM credit_charges WHERE instance_id = $1 AND request_id LIKE 'client-trace-8.%'`,
        [t.instanceId],
      );
      expect(rows).toEqual([{ refunded: true, closed: true }]);
    } finally {
      await ledger.end();
    }
  });

  describe('an export cut short', () => {
    const ROWS = 200_000; // about 16 MB of CSV: far more than the sockets between here and the database hold
    let db: Client;

    beforeAll(async () => {
      await defineAndLoad(key, 'exports', [{ name: 'n', type: 'number' }], []);
      db = new Client({ connectionString: e2ePlatform().databaseUrls.query });
      await db.connect();
      await db.query(
        `INSERT INTO records (instance_id, entity, pk, id, title, created_at, updated_at, fields)
         SELECT $1, 'exports', 'e' || g, 'e' || g, 'Export row ' || g, now(), now(), jsonb_build_object('n', g)
           FROM generate_series(1, $2::int) g`,
        [t.instanceId, ROWS],
      );
    }, 60_000); // 200,000 rows: seconds on a busy machine
    afterAll(() => db.end());

    /** Starts the export and returns once its first bytes have arrived. */
    async function startExport() {
      const abort = new AbortController();
      const res = await fetch(url('/api/v1/entities/exports.csv'), { headers: withKey(key), signal: abort.signal });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      expect((await reader.read()).done).toBe(false);
      return { abort, reader };
    }

    it('stays charged when the client hangs up before the end: what it read was served', async () => {
      const before = await remaining(key);
      const { abort } = await startExport();
      abort.abort();
      // Give a refund, if one were (wrongly) coming, time to land; then the charge must still stand.
      await new Promise((r) => setTimeout(r, 1000));
      expect(await remaining(key)).toBe(before - 1);
    });

    it('is refunded when the query service breaks it off', async () => {
      const before = await remaining(key);
      const { reader } = await startExport();
      const { rows } = await db.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%records%' AND state <> 'idle'`,
      );
      expect(rows.length).toBeGreaterThan(0);
      await expect((async () => { for (;;) if ((await reader.read()).done) return 'complete'; })()).rejects.toThrow();
      await eventually(async () => expect(await remaining(key)).toBe(before));
    });

    it('stays charged when the client stops reading and the gateway hangs up on it', async () => {
      const before = await remaining(key);
      const { abort, reader } = await startExport();
      // Reads nothing more: the gateway hangs up after two thirds of the platform's stall limit
      // (QUERY_STREAM_STALL_MS, 6 s in this suite), before the query service ends the stream itself.
      await expect(
        (async () => {
          await new Promise((r) => setTimeout(r, 8000));
          for (;;) if ((await reader.read()).done) return 'complete';
        })(),
      ).rejects.toThrow();
      abort.abort();
      // Past the service's own stall limit too: a refund, were one (wrongly) coming, has landed.
      await new Promise((r) => setTimeout(r, 3000));
      expect(await remaining(key)).toBe(before - 1);
    });
  });
});
