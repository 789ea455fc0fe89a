import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { flowsMigrations } from '../migrations';
import { RunStore } from './run-store';

jest.setTimeout(60_000);

describe('run leases (real PostgreSQL)', () => {
  let db: TestDatabase;
  let store: RunStore;

  beforeAll(async () => {
    db = await createTestDatabase(flowsMigrations, 'flows_leases');
    store = new RunStore(db.dataSource);
    // A long history of finished runs (no owner) and a few in flight, held by two processes.
    await db.dataSource.query(
      `INSERT INTO run_details (process_id, instance_id, mode, input, timeout_ms, owner, lease_until)
       SELECT 'run_' || g, 'acme', 'async', '{"body":{}}', 30000,
              CASE WHEN g <= 3 THEN 'p1' WHEN g <= 5 THEN 'p2' END,
              CASE WHEN g <= 5 THEN now() END
         FROM generate_series(1, 50000) g`,
    );
    await db.dataSource.query('ANALYZE run_details');
  });
  afterAll(() => db?.drop());

  it('renews the leases of the runs a process holds, and only those', async () => {
    await store.renewLeases('p1', 60_000);
    const rows: { owner: string; fresh: boolean }[] = await db.dataSource.query(
      `SELECT owner, lease_until > now() + interval '50 seconds' AS fresh FROM run_details WHERE owner IS NOT NULL ORDER BY process_id`,
    );
    expect(rows.map((r) => [r.owner, r.fresh])).toEqual([
      ['p1', true],
      ['p1', true],
      ['p1', true],
      ['p2', false],
      ['p2', false],
    ]);
  });

  it('gives a claimed run back: claimable at once, by the same process too, without counting an attempt', async () => {
    await db.dataSource.query(
      `INSERT INTO flow_runs (process_id, instance_id, flow_id, started_by, status, started_at) VALUES ('run_given_back', 'acme', 'flow_1', 'key_1', 'running', now())`,
    );
    await db.dataSource.query(
      `INSERT INTO run_details (process_id, instance_id, mode, input, timeout_ms, owner, lease_until) VALUES ('run_given_back', 'acme', 'async', '{"body":{}}', 30000, 'gone', now() - interval '1 second')`,
    );
    const claimed = await store.claimAbandoned('p3', 60_000);
    expect(claimed.map((r) => [r.processId, r.attempts])).toEqual([['run_given_back', 2]]);
    expect(await store.claimAbandoned('p3', 60_000)).toEqual([]);
    await store.releaseClaim('p3', 'run_given_back');
    expect((await store.claimAbandoned('p3', 60_000)).map((r) => [r.processId, r.attempts])).toEqual([['run_given_back', 2]]);
    await db.dataSource.query(`DELETE FROM run_details WHERE process_id = 'run_given_back'`);
    await db.dataSource.query(`DELETE FROM flow_runs WHERE process_id = 'run_given_back'`);
  });

  it('forgets idempotency keys past their day, batch by batch, and keeps the others', async () => {
    await db.dataSource.query(
      `INSERT INTO run_idempotency (instance_id, flow_id, idem_key, process_id, created_at)
       SELECT 'acme', 'flow_1', 'key_a key-' || g, 'run_' || g, now() - CASE WHEN g <= 7 THEN interval '25 hours' ELSE interval '23 hours' END
         FROM generate_series(1, 10) g`,
    );
    expect(await store.forgetExpiredIdempotencyKeys(5)).toBe(5);
    expect(await store.forgetExpiredIdempotencyKeys(5)).toBe(2);
    expect(await store.forgetExpiredIdempotencyKeys(5)).toBe(0);
    const left: { idem_key: string }[] = await db.dataSource.query(`SELECT idem_key FROM run_idempotency ORDER BY idem_key`);
    expect(left.map((r) => r.idem_key)).toEqual(['key_a key-10', 'key_a key-8', 'key_a key-9']);
    // A key still within its day answers with its run; a forgotten one starts a new run; so does
    // another caller's same key.
    const claim = (caller: string, idempotencyKey: string, processId: string, fingerprint = 'f1') => ({
      instanceId: 'acme',
      flowId: 'flow_1',
      caller,
      idempotencyKey,
      processId,
      fingerprint,
    });
    await db.dataSource.transaction(async (em) => {
      // Claimed before fingerprints were kept: it has none.
      expect(await store.claimIdempotencyKey(em, claim('key_a', 'key-8', 'run_new'))).toEqual({ processId: 'run_8' });
      expect(await store.claimIdempotencyKey(em, claim('key_a', 'key-1', 'run_new'))).toBeUndefined();
      expect(await store.claimIdempotencyKey(em, claim('anonymous', 'key-8', 'run_other'))).toBeUndefined();
      expect(await store.claimIdempotencyKey(em, claim('anonymous', 'key-8', 'run_again', 'f2'))).toEqual({ processId: 'run_other', fingerprint: 'f1' });
    });
  });

  it('finds them through the index of owned runs, not by reading every run ever kept', async () => {
    const plan: { 'QUERY PLAN': string }[] = await db.dataSource.query(
      `EXPLAIN UPDATE run_details SET lease_until = clock_timestamp() WHERE owner = 'p1'`,
    );
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toContain('run_details_by_owner');
    expect(text).not.toContain('Seq Scan');
  });
});
