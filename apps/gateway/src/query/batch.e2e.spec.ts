import { api, eventually } from '@tollgate/testing';
import { createInstance, issue, url, type TestInstance } from '../identity/identity-e2e.fixture';
import { as, defineAndLoad, withKey } from './query-e2e.fixture';

const ids = (list: { id: string }[]) => list.map((r) => r.id);

describe('loading records through the gateway: batches and tasks (e2e)', () => {
  let t: TestInstance;
  let key: string;

  beforeAll(async () => {
    t = await createInstance();
    key = t.orgKey;
    await defineAndLoad(key, 'actions', [{ name: 'status', type: 'string' }, { name: 'priority', type: 'number' }], []);
    await defineAndLoad(key, 'graphs', [{ name: 'kind', type: 'string' }], [{ id: 'g1', title: 'Process map', kind: 'flow' }]);
  });

  it('stores records as sent, whatever their fields are named: constructor, toString', async () => {
    const sent = { id: 'o1', title: 'Object words', constructor: 'builder', detail: { toString: 'text', hasOwnProperty: true, constructor: { name: 'x' } } };
    await defineAndLoad(key, 'object_words', [{ name: 'constructor', type: 'string' }, { name: 'detail', type: 'json' }], [sent]);
    const [stored] = (await as(key, 'GET', '/api/v1/entities/object_words.json')).body.data.object_words;
    expect(stored).toMatchObject({ constructor: 'builder', detail: sent.detail });
  });

  it('applies batches in order, all or nothing, and runs async batches as tasks', async () => {
    const ok = await as(key, 'POST', '/api/v1/entities/graphs/batch', {
      operations: [
        { action: 'insert', rows: [{ id: 'g2', title: 'Org chart', kind: 'org' }] },
        { action: 'insertOrUpdate', primaryKey: 'id', rows: [{ id: 'g1', kind: 'map' }] },
        { action: 'delete', primaryKey: 'id', rows: ['g2'] },
      ],
    });
    expect(ok.body).toEqual({ status: 'ok', inserted: 1, updated: 1, deleted: 1 });
    const bad = await as(key, 'POST', '/api/v1/entities/graphs/batch', {
      operations: [{ action: 'insert', rows: [{ id: 'g3' }] }, { action: 'insert', rows: [{ id: 'g4', kind: 7 }] }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'operations.1.rows.0.kind', message: expect.any(String) }]);
    // 1e400 is valid JSON but no double: refused, not stored as null.
    const huge = await fetch(url('/api/v1/entities/actions/batch'), {
      method: 'POST',
      headers: { ...withKey(key), 'content-type': 'application/json' },
      body: '{"operations":[{"action":"insert","rows":[{"id":"big","priority":1e400}]}]}',
    });
    expect(huge.status).toBe(400);
    expect(((await huge.json()) as { errors: unknown }).errors).toEqual([{ field: 'operations.0.rows.0.priority', message: 'must be a number a double can hold' }]);
    const graphs = (await as(key, 'GET', '/api/v1/entities/graphs')).body.data.graphs;
    expect(graphs.map((g: any) => [g.id, g.kind])).toEqual([['g1', 'map']]);

    const queued = await as(key, 'POST', '/api/v1/entities/graphs/batch', { async: true, operations: [{ action: 'insert', rows: [{ id: 'g5' }] }] });
    expect(queued.status).toBe(202);
    await eventually(async () => expect((await as(key, 'GET', `/api/v1/tasks/${queued.body.taskId}`)).body.status).toBe('ok'));
    // A loader that lost the id finds its task again.
    const listed = await as(key, 'GET', '/api/v1/tasks?entity=graphs&status=ok&limit=5');
    expect([listed.status, listed.body.tasks[0]]).toEqual([200, expect.objectContaining({ taskId: queued.body.taskId, entity: 'graphs', status: 'ok' })]);
    // Older tasks page by page: a page's next is the following page's before.
    const again = await as(key, 'POST', '/api/v1/entities/graphs/batch', { async: true, operations: [{ action: 'delete', rows: ['g5'] }] });
    const first = await as(key, 'GET', '/api/v1/tasks?entity=graphs&limit=1');
    expect([first.body.tasks.map((x: any) => x.taskId), first.body.next]).toEqual([[again.body.taskId], again.body.taskId]);
    const second = await as(key, 'GET', `/api/v1/tasks?entity=graphs&limit=1&before=${first.body.next}`);
    expect([second.status, second.body.tasks.map((x: any) => x.taskId), second.body.next]).toEqual([200, [queued.body.taskId], undefined]);
    const badCursor = await as(key, 'GET', '/api/v1/tasks?before=nope');
    expect([badCursor.status, badCursor.body.errors?.[0]?.field]).toEqual([400, 'before']);
    const dataKey = (await issue(t, { kind: 'data', description: 'reader', scopes: ['query'], entities: ['graphs'] })).key;
    expect((await as(dataKey, 'POST', '/api/v1/entities/graphs/batch', { operations: [{ action: 'delete', rows: ['g1'] }] })).status).toBe(403);
  });

  it('takes a batch up to the byte and row limits and refuses one beyond with 413 naming the limit, writing nothing', async () => {
    await defineAndLoad(key, 'bulk', [{ name: 'note', type: 'string' }], []);
    const limit = 10 * 1024 * 1024; // BODY_LIMIT_BYTES and BATCH_MAX_BYTES, both by default
    const bodyOf = (size: number, id: string) => {
      const rows = Array.from({ length: 2000 }, (_, i) => ({ id: `${id}${i}`, note: 'n'.repeat(5000) }));
      const bare = JSON.stringify({ operations: [{ action: 'insert', rows }] }).length;
      rows[0].note += 'n'.repeat(size - bare);
      return JSON.stringify({ operations: [{ action: 'insert', rows }] });
    };
    const post = (body: string) =>
      fetch(url('/api/v1/entities/bulk/batch'), { method: 'POST', headers: { ...withKey(key), 'content-type': 'application/json' }, body });
    const fits = await post(bodyOf(limit, 'in'));
    expect([fits.status, await fits.json()]).toEqual([200, { status: 'ok', inserted: 2000, updated: 0, deleted: 0 }]);
    const over = await post(bodyOf(limit + 1, 'out'));
    expect([over.status, await over.json()]).toEqual([
      413,
      expect.objectContaining({ code: 'payload_too_large', message: expect.stringContaining(`${limit} bytes`) }),
    ]);
    const tooMany = await as(key, 'POST', '/api/v1/entities/bulk/batch', { operations: [{ action: 'delete', rows: Array.from({ length: 50_001 }, (_, i) => `in${i}`) }] });
    expect([tooMany.status, tooMany.body.code, tooMany.body.message]).toEqual([413, 'payload_too_large', 'A batch may carry at most 50000 rows (got 50001)']);
    const stored = (await as(key, 'GET', '/api/v1/entities/bulk.csv?display=id')).text.trim().split('\n').slice(1);
    expect([stored.length, stored.some((id) => id.startsWith('out'))]).toEqual([2000, false]);
  });

  it('applies a batch retried with the same Idempotency-Key once, answering the retry as the first time', async () => {
    await defineAndLoad(key, 'loads', [{ name: 'n', type: 'number' }], []);
    const send = (body: unknown, idempotencyKey: string) =>
      api('POST', url('/api/v1/entities/loads/batch'), { headers: { ...withKey(key), 'idempotency-key': idempotencyKey }, body });
    const load = { operations: [{ action: 'insert', rows: [{ id: 'r1', n: 1 }, { id: 'r2', n: 2 }] }] };
    const first = await send(load, 'load-1');
    const retried = await send(load, 'load-1');
    expect([first.status, retried.status, retried.body]).toEqual([200, 200, { status: 'ok', inserted: 2, updated: 0, deleted: 0 }]);
    const reused = await send({ operations: [{ action: 'delete', rows: ['r1'] }] }, 'load-1');
    expect([reused.status, reused.body.code]).toEqual([409, 'idempotency_key_reused']);
    expect(ids((await as(key, 'GET', '/api/v1/entities/loads?order=asc')).body.data.loads)).toEqual(['r1', 'r2']);
    const doc = (await api('GET', url('/api/docs-json'))).body;
    expect(doc.paths['/api/v1/entities/{name}/batch'].post.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]));
  });
});
