import { RecordsChanged, TOPICS } from '@tollgate/contracts';
import { collectMessages, eventually, testBrokers } from '@tollgate/testing';
import { randomBytes } from 'node:crypto';
import { batchCalls, principalOf, startQueryApp, type QueryApp } from '../testing/query-app.fixture';

jest.setTimeout(30_000);

// Instance ids are unique per run: the broker's topics keep earlier runs' events.
const INSTANCE = `inst_batch_${randomBytes(4).toString('hex')}`;

describe('batch ingest (query service, real PostgreSQL and Kafka)', () => {
  let app: QueryApp;
  const admin = principalOf(INSTANCE);
  const { define, batch, rows } = batchCalls(() => app, admin);

  beforeAll(async () => {
    app = await startQueryApp({ BATCH_MAX_ROWS: '100' });
    expect((await define('sales', [{ name: 'country', type: 'string' }, { name: 'quantity', type: 'number' }])).status).toBe(201);
  });
  afterAll(() => app.close());

  it('applies insert, insertOrUpdate and delete in order, in one call', async () => {
    const res = await batch('sales', {
      operations: [
        { action: 'insert', rows: [
          { id: '1', title: 'a', country: 'FR', quantity: 10 },
          { id: '2', title: 'b', country: 'US', quantity: 2 },
          { id: '3', title: 'c', country: 'UK', quantity: 1 },
          { id: '4', title: 'd', country: 'US', quantity: 8 },
        ] },
        { action: 'insertOrUpdate', primaryKey: 'id', rows: [{ id: '1', quantity: 50 }, { id: '5', title: 'e', country: 'US', quantity: 13 }] },
        { action: 'delete', primaryKey: 'id', rows: ['2', 4, 'never-existed'] },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', inserted: 5, updated: 1, deleted: 2 });
    const stored = await rows('sales');
    expect(stored.map((r: any) => [r.id, r.title, r.country, r.quantity])).toEqual([
      ['1', 'a', 'FR', 50],
      ['3', 'c', 'UK', 1],
      ['5', 'e', 'US', 13],
    ]);
    const list = await app.call('GET', '/api/v1/entities', { principal: admin });
    expect(list.body.entities.find((e: any) => e.name === 'sales').recordCount).toBe(3);
  });

  it('applies rows that repeat a key one after another, merging what each gives', async () => {
    expect((await define('members', [{ name: 'status', type: 'string' }, { name: 'n', type: 'number' }])).status).toBe(201);
    const owner = [{ userId: 'u1', role: 'owner' }];
    const res = await batch('members', {
      operations: [
        { action: 'insertOrUpdate', rows: [
          { id: 'm1', title: 'first', status: 'x', createdAt: '2026-01-01T00:00:00Z', responsibilities: owner },
          { id: 'm1', n: 2 },
          { id: 'm2', title: 'two' },
          { id: 'm1', status: 'y' },
        ] },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ inserted: 2, updated: 0 });
    expect((await rows('members')).find((r: any) => r.id === 'm1')).toMatchObject({
      title: 'first',
      status: 'y',
      n: 2,
      createdAt: '2026-01-01T00:00:00.000Z',
      responsibilities: owner,
    });

    const twice = await batch('members', { operations: [{ action: 'insert', rows: [{ id: 'm3' }, { id: 'm3', title: 'again' }] }] });
    expect(twice.status).toBe(400);
    expect(twice.body.errors).toEqual([{ field: 'operations.0.rows.1.id', message: 'primary key m3 is also given in row 0' }]);
    const removed = await batch('members', { operations: [{ action: 'delete', rows: ['m2', 'm2'] }] });
    expect(removed.body).toMatchObject({ deleted: 1 });
    expect((await rows('members')).map((r: any) => r.id)).toEqual(['m1']);
  });

  it('counts as updated only the records an insertOrUpdate changes, and keeps the updatedAt of the others', async () => {
    expect((await define('stock', [{ name: 'level', type: 'number' }, { name: 'tags', type: 'json' }])).status).toBe(201);
    const night = [
      { id: 's1', title: 'Bolts', level: 10, tags: { a: 1, b: [1, 2] }, responsibilities: [{ userId: 'u1', role: 'owner' }] },
      { id: 's2', title: 'Nuts', level: 5 },
      { id: 's3', title: 'Washers', level: 7, createdAt: '2026-01-01T00:00:00Z' },
    ];
    expect((await batch('stock', { operations: [{ action: 'insertOrUpdate', rows: night }] })).body).toMatchObject({ inserted: 3, updated: 0 });
    const first = await rows('stock');
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The next night's full load: the same rows (keys of a json field in another order), one level changed.
    const next = [
      { ...night[0], tags: { b: [1, 2], a: 1 } },
      { ...night[1], level: 6 },
      night[2],
      { id: 's2', title: 'Nuts' }, // gives nothing new over the row before
    ];
    const reloaded = await batch('stock', { operations: [{ action: 'insertOrUpdate', rows: next }] });
    expect(reloaded.body).toEqual({ status: 'ok', inserted: 0, updated: 1, deleted: 0 });
    const second = await rows('stock');
    expect(second.map((r: any) => [r.id, r.level, r.updatedAt === first.find((f: any) => f.id === r.id).updatedAt])).toEqual([
      ['s1', 10, true],
      ['s2', 6, false],
      ['s3', 7, true],
    ]);
    // A row giving only an updatedAt of its own changes that.
    const touched = await batch('stock', { operations: [{ action: 'insertOrUpdate', rows: [{ id: 's3', updatedAt: '2026-02-01T00:00:00Z' }] }] });
    expect(touched.body).toMatchObject({ updated: 1 });
    expect((await rows('stock')).find((r: any) => r.id === 's3').updatedAt).toBe('2026-02-01T00:00:00.000Z');
  });

  it('refuses the whole call when one row is bad, naming the row and field, and writes nothing', async () => {
    const before = await rows('sales');
    for (const [row, field, message] of [
      [{ id: '9', colour: 'red' }, 'operations.1.rows.0.colour', /unknown field/],
      [{ id: '9', quantity: 'many' }, 'operations.1.rows.0.quantity', /number/],
      [{ id: '9', createdAt: '2026-02-30T10:00:00Z' }, 'operations.1.rows.0.createdAt', /ISO 8601/],
      // Real times whose UTC is in the year 10000 or 0, which PostgreSQL does not have: 400, not 500.
      [{ id: '9', createdAt: '9999-12-31T23:30:00-01:00' }, 'operations.1.rows.0.createdAt', /from 0001-01-01 to 9999-12-31 in UTC/],
      [{ id: '9', updatedAt: '0001-01-01T00:30:00+01:00' }, 'operations.1.rows.0.updatedAt', /from 0001-01-01 to 9999-12-31 in UTC/],
      // PostgreSQL cannot store U+0000 in text or jsonb
      [{ id: '9', title: '\u0000nul' }, 'operations.1.rows.0.title', /NUL character/],
      [{ id: '9', country: 'F\u0000R' }, 'operations.1.rows.0.country', /NUL character/],
      [{ id: '9\u0000' }, 'operations.1.rows.0.id', /NUL character/],
      // nor half of a surrogate pair, which JSON can escape (\ud800) but no UTF-8 text holds
      [{ id: '9', title: 'broken \ud83d emoji' }, 'operations.1.rows.0.title', /lone surrogate/],
      [{ id: '9', country: '\udc00' }, 'operations.1.rows.0.country', /lone surrogate/],
    ] as const) {
      const res = await batch('sales', {
        operations: [
          { action: 'insert', rows: [{ id: '8', title: 'fine' }] },
          { action: 'insert', rows: [row] },
        ],
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors).toEqual([{ field, message: expect.stringMatching(message) }]);
    }
    const duplicate = await batch('sales', {
      operations: [{ action: 'delete', rows: ['1'] }, { action: 'insert', rows: [{ id: '7' }, { id: '3' }] }],
    });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.errors).toEqual([{ field: 'operations.1.rows.1.id', message: 'a record with primary key 3 already exists' }]);
    expect(await rows('sales')).toEqual(before);
  });

  it('says how many problems a batch has when it lists only the first 50', async () => {
    const bad = Array.from({ length: 80 }, (_, i) => ({ id: `bad${i}`, quantity: 'many' }));
    const res = await batch('sales', { operations: [{ action: 'insert', rows: bad }] });
    expect([res.status, res.body.message, res.body.errors.length]).toEqual([400, 'Validation failed: 80 problems, the first 50 listed', 50]);
  });

  it('names every row of an insert whose key exists already (the first 50), not only the first', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => ({ id: `dup${i}` }));
    expect((await batch('sales', { operations: [{ action: 'insert', rows: keys.slice(0, 55) }] })).status).toBe(200);
    const again = await batch('sales', { operations: [{ action: 'insert', rows: [{ id: 'dup-new' }, ...keys] }] });
    expect([again.status, again.body.message, again.body.errors.length]).toEqual([400, 'Duplicate primary key: 55 rows, the first 50 listed', 50]);
    expect(again.body.errors.slice(0, 2)).toEqual([
      { field: 'operations.0.rows.1.id', message: 'a record with primary key dup0 already exists' },
      { field: 'operations.0.rows.2.id', message: 'a record with primary key dup1 already exists' },
    ]);
    const few = await batch('sales', { operations: [{ action: 'insert', rows: [{ id: 'dup-new' }, { id: 'dup3' }, { id: 'dup59' }, { id: 'dup7' }] }] });
    expect([few.body.message, few.body.errors.map((e: any) => e.field)]).toEqual(['Duplicate primary key', ['operations.0.rows.1.id', 'operations.0.rows.3.id']]);
    expect((await rows('sales')).some((r: any) => r.id === 'dup-new' || r.id === 'dup59')).toBe(false);
    await batch('sales', { operations: [{ action: 'delete', rows: keys.map((k) => k.id) }] });
  });

  it('refuses a title too long to index with 400 naming the row, and stores the longest that fits, whatever its key', async () => {
    // Random letters do not compress: the index on titles holds each one whole.
    const letters = (n: number) => Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz'[Math.floor(Math.random() * 26)]).join('');
    const tooLong = await batch('sales', { operations: [{ action: 'insert', rows: [{ id: 't1', title: 'fine' }, { id: 't2', title: letters(9000) }] }] });
    expect([tooLong.status, tooLong.body.errors]).toEqual([400, [{ field: 'operations.0.rows.1.title', message: expect.stringMatching(/^must be at most \d+ bytes/) }]]);
    const allowed = Number(/at most (\d+) bytes/.exec(tooLong.body.errors[0].message)![1]);
    const key = '€'.repeat(512); // the longest key, of three bytes a character
    const widest = await batch('sales', { operations: [{ action: 'insertOrUpdate', rows: [{ id: key, title: letters(4000) }] }] });
    const limit = Number(/at most (\d+) bytes/.exec(widest.body.errors?.[0]?.message ?? '')?.[1]);
    expect([widest.status, limit < allowed]).toEqual([400, true]);
    const fits = await batch('sales', { operations: [{ action: 'insertOrUpdate', rows: [{ id: key, title: letters(limit) }] }] });
    expect([fits.status, fits.body.inserted]).toEqual([200, 1]);
    await batch('sales', { operations: [{ action: 'delete', rows: [key] }] });
  });

  it('refuses a responsibility whose userId is too long to index with 400 naming it, not a 500', async () => {
    const userId = Array.from({ length: 9000 }, () => 'abcdefghijklmnopqrstuvwxyz'[Math.floor(Math.random() * 26)]).join('');
    const rows = [{ id: 'u1', responsibilities: [{ userId: 'fine', role: 'owner' }, { userId, role: 'owner' }] }];
    const res = await batch('sales', { operations: [{ action: 'insert', rows }] });
    expect([res.status, res.body.errors]).toEqual([400, [{ field: 'operations.0.rows.0.responsibilities.1.userId', message: 'must be at most 512 characters' }]]);
    const longest = await batch('sales', { operations: [{ action: 'insert', rows: [{ id: 'u2', responsibilities: [{ userId: userId.slice(0, 512), role: 'owner' }] }] }] });
    expect(longest.status).toBe(200);
    await batch('sales', { operations: [{ action: 'delete', rows: ['u2'] }] });
  });

  it('answers 413 beyond the row limit and 403 to data keys, writing nothing', async () => {
    const many = Array.from({ length: 101 }, (_, i) => ({ id: `x${i}` }));
    expect((await batch('sales', { operations: [{ action: 'insert', rows: many }] })).status).toBe(413);
    const dataKey = principalOf(INSTANCE, { kind: 'data', scopes: ['query', 'ingest'], entities: ['sales'] });
    const refused = await batch('sales', { operations: [{ action: 'insert', rows: [{ id: 'z' }] }] }, dataKey);
    expect(refused.status).toBe(403);
    expect((await rows('sales')).some((r: any) => r.id === 'z' || r.id === 'x0')).toBe(false);
  });

  it('applies a call retried with the same Idempotency-Key once, answering the retry as the first time', async () => {
    const send = (body: unknown, key: string) =>
      app.call('POST', '/api/v1/entities/sales/batch', { principal: admin, body, headers: { 'idempotency-key': key } });
    const count = async () => (await app.call('GET', '/api/v1/entities', { principal: admin })).body.entities.find((e: any) => e.name === 'sales').recordCount;
    const before = await count();
    const load = { operations: [{ action: 'insert', rows: [{ id: 'idem1', title: 'once', quantity: 1 }, { id: 'idem2', quantity: 2 }] }] };
    const first = await send(load, 'nightly-2026-11-27-part-1');
    const retried = await send(load, 'nightly-2026-11-27-part-1');
    expect([first.status, first.body, retried.status, retried.body]).toEqual([
      200, { status: 'ok', inserted: 2, updated: 0, deleted: 0 },
      200, { status: 'ok', inserted: 2, updated: 0, deleted: 0 },
    ]);
    expect(await count()).toBe(before + 2);
    // The same body serialised with its objects' keys in another order is the same call.
    const reordered = { operations: [{ rows: [{ quantity: 1, title: 'once', id: 'idem1' }, { quantity: 2, id: 'idem2' }], action: 'insert' }] };
    const retriedReordered = await send(reordered, 'nightly-2026-11-27-part-1');
    expect([retriedReordered.status, retriedReordered.body]).toEqual([200, { status: 'ok', inserted: 2, updated: 0, deleted: 0 }]);
    expect(await count()).toBe(before + 2);
    // Another body under a key already used is no retry: refused, nothing written.
    const reused = await send({ operations: [{ action: 'insert', rows: [{ id: 'idem3' }] }] }, 'nightly-2026-11-27-part-1');
    expect([reused.status, reused.body.code]).toEqual([409, 'idempotency_key_reused']);
    expect((await rows('sales')).some((r: any) => r.id === 'idem3')).toBe(false);
    // A call that was refused wrote nothing and keeps nothing: sent again it is judged again.
    const refused = await send({ operations: [{ action: 'insert', rows: [{ id: 'idem1' }] }] }, 'nightly-2026-11-27-part-2');
    expect(refused.status).toBe(400);
    await batch('sales', { operations: [{ action: 'delete', rows: ['idem1'] }] });
    const judgedAgain = await send({ operations: [{ action: 'insert', rows: [{ id: 'idem1' }] }] }, 'nightly-2026-11-27-part-2');
    expect([judgedAgain.status, judgedAgain.body.inserted]).toEqual([200, 1]);
    // An async call retried gives back the task it started, and starts no other.
    const queued = { async: true, operations: [{ action: 'insertOrUpdate', rows: [{ id: 'idem4' }] }] };
    const task = await send(queued, 'nightly-async-1');
    const taskAgain = await send(queued, 'nightly-async-1');
    expect([task.status, taskAgain.status, taskAgain.body.taskId]).toEqual([202, 202, task.body.taskId]);
    // Done before the count below is taken: its record would count as the race's otherwise.
    await eventually(async () => expect((await app.call('GET', `/api/v1/tasks/${task.body.taskId}`, { principal: admin })).body.status).toBe('ok'));
    // Two calls with one key at the same moment (a retry while the first still runs): applied once.
    const race = { operations: [{ action: 'insert', rows: [{ id: 'idem5' }, { id: 'idem6' }] }] };
    const counted = await count();
    const [one, two] = await Promise.all([send(race, 'nightly-race'), send(race, 'nightly-race')]);
    expect([one.status, one.body, two.status, two.body]).toEqual([200, expect.objectContaining({ inserted: 2 }), 200, one.body]);
    expect(await count()).toBe(counted + 2);
    const bad = await send(load, 'x'.repeat(201));
    expect([bad.status, bad.body.errors]).toEqual([400, [{ field: 'Idempotency-Key', message: 'must be 1-200 visible ASCII characters' }]]);
  });

  it('publishes RecordsChanged once per call that changed something, and none for a call that changed nothing', async () => {
    const collector = await collectMessages(testBrokers(), [TOPICS.query]);
    try {
      const send = (body: unknown, requestId: string) =>
        app.call('POST', '/api/v1/entities/sales/batch', { principal: admin, body, headers: { 'x-request-id': requestId } });
      await batch('sales', { operations: [{ action: 'insertOrUpdate', rows: [{ id: 'same', title: 'same', quantity: 1 }] }] });
      const nothing = await send(
        { operations: [{ action: 'delete', rows: ['never-there'] }, { action: 'insertOrUpdate', rows: [{ id: 'same', quantity: 1 }] }] },
        'req_nothing_changed',
      );
      expect(nothing.body).toEqual({ status: 'ok', inserted: 0, updated: 0, deleted: 0 });
      const something = await send({ operations: [{ action: 'insertOrUpdate', rows: [{ id: 'same', quantity: 2 }, { id: 'other' }] }] }, 'req_something_changed');
      expect(something.body).toEqual({ status: 'ok', inserted: 1, updated: 1, deleted: 0 });
      // One partition keeps the entity's events in order: once the second call's event is in, the first's would be.
      const changes = () =>
        collector.messages.map((m) => JSON.parse(m.value)).filter((e) => e.instanceId === INSTANCE && e.type === RecordsChanged.type && e.correlationId?.endsWith('_changed'));
      await eventually(() => expect(changes().map((e) => e.correlationId)).toContain('req_something_changed'), { timeoutMs: 15_000 });
      expect(changes().map((e) => [e.correlationId, e.data])).toEqual([
        ['req_something_changed', { entity: 'sales', inserted: 1, updated: 1, deleted: 0, keys: { inserted: ['other'], updated: ['same'], deleted: [] }, parts: 1 }],
      ]);
    } finally {
      await collector.stop();
    }
  });
});
