import { RecordsChanged, TOPICS } from '@tollgate/contracts';
import { collectMessages, eventually, testBrokers } from '@tollgate/testing';
import { randomBytes } from 'node:crypto';
import { principalOf, startQueryApp, type QueryApp } from '../testing/query-app.fixture';

jest.setTimeout(30_000);

const INSTANCE = `inst_deadline_${randomBytes(4).toString('hex')}`;

describe('a sync batch over BATCH_SYNC_TIMEOUT_MS (query service, real PostgreSQL and Kafka)', () => {
  let app: QueryApp;
  const admin = principalOf(INSTANCE);
  const batch = (body: unknown, headers: Record<string, string> = {}) =>
    app.call('POST', '/api/v1/entities/orders/batch', { principal: admin, body, headers });
  const stored = async () =>
    (await app.call('GET', '/api/v1/entities/orders?sort=alpha&order=asc', { principal: admin })).body.data.orders.map((r: any) => [r.id, r.n]);

  beforeAll(async () => {
    app = await startQueryApp({ BATCH_SYNC_TIMEOUT_MS: '1000' });
    const defined = await app.call('POST', '/api/v1/entities', { principal: admin, body: { name: 'orders', primaryKey: 'id', fields: [{ name: 'n', type: 'number' }] } });
    expect(defined.status).toBe(201);
    expect((await batch({ operations: [{ action: 'insert', rows: [{ id: 'held', title: 'held', n: 1 }] }] })).status).toBe(200);
  });
  afterAll(() => app.close());

  it('is rolled back and answered 504 timeout, so the client hears what happened; sent again it is judged again', async () => {
    const collector = await collectMessages(testBrokers(), [TOPICS.query]);
    // Another session holds the record the batch updates, so the batch waits past its limit.
    const holder = app.db.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query(`SELECT 1 FROM records WHERE instance_id = $1 AND entity = 'orders' AND pk = 'held' FOR UPDATE`, [INSTANCE]);
      const body = { operations: [{ action: 'insert', rows: [{ id: 'new', title: 'new', n: 1 }] }, { action: 'insertOrUpdate', rows: [{ id: 'held', n: 2 }] }] };
      const started = Date.now();
      const res = await batch(body, { 'idempotency-key': 'slow-1', 'x-request-id': 'req_slow_batch' });
      expect([res.status, res.body.code, res.body.message]).toEqual([504, 'timeout', expect.stringContaining('"async": true')]);
      expect(Date.now() - started).toBeLessThan(5_000);
      await holder.commitTransaction();
      expect(await stored()).toEqual([['held', 1]]);
      // The key was not kept: the same call, sent again once the way is clear, is applied.
      const again = await batch(body, { 'idempotency-key': 'slow-1' });
      expect([again.status, again.body]).toEqual([200, { status: 'ok', inserted: 1, updated: 1, deleted: 0 }]);
      expect(await stored()).toEqual([['held', 2], ['new', 1]]);
      const list = await app.call('GET', '/api/v1/entities', { principal: admin });
      expect(list.body.entities.find((e: any) => e.name === 'orders').recordCount).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const published = collector.messages.map((m) => JSON.parse(m.value)).filter((e) => e.type === RecordsChanged.type && e.correlationId === 'req_slow_batch');
      expect(published).toEqual([]);
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
      await collector.stop();
    }
  });

  it('leaves async batches to run as long as they need', async () => {
    const holder = app.db.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query(`SELECT 1 FROM records WHERE instance_id = $1 AND entity = 'orders' AND pk = 'held' FOR UPDATE`, [INSTANCE]);
      const queued = await batch({ async: true, operations: [{ action: 'insertOrUpdate', rows: [{ id: 'held', n: 3 }] }] });
      expect(queued.status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await holder.commitTransaction();
      await eventually(async () => expect((await app.call('GET', `/api/v1/tasks/${queued.body.taskId}`, { principal: admin })).body.status).toBe('ok'));
      expect((await stored()).find((r: any) => r[0] === 'held')).toEqual(['held', 3]);
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
  });
});
