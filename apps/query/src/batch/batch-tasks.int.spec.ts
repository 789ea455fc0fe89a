import { BatchTaskCompleted, RecordsChanged, TOPICS } from '@tollgate/contracts';
import { collectMessages, eventually, testBrokers } from '@tollgate/testing';
import { randomBytes } from 'node:crypto';
import { entityTypeStreamId } from '../entity-types/entity-type';
import { batchCalls, principalOf, startQueryApp, type QueryApp } from '../testing/query-app.fixture';

jest.setTimeout(30_000);

// Instance ids are unique per run: the broker's topics keep earlier runs' events.
const INSTANCE = `inst_tasks_${randomBytes(4).toString('hex')}`;

describe('batch tasks: async batches, their order, listing and retention (query service, real PostgreSQL and Kafka)', () => {
  let app: QueryApp;
  const admin = principalOf(INSTANCE);
  const { define, batch, rows } = batchCalls(() => app, admin);

  beforeAll(async () => {
    app = await startQueryApp({ BATCH_MAX_ROWS: '100' });
    expect((await define('sales', [{ name: 'country', type: 'string' }, { name: 'quantity', type: 'number' }])).status).toBe(201);
  });
  afterAll(() => app.close());

  it('runs async batches as tasks and publishes RecordsChanged and BatchTaskCompleted', async () => {
    const collector = await collectMessages(testBrokers(), [TOPICS.query]);
    try {
      const res = await batch('sales', { async: true, operations: [{ action: 'insert', rows: [{ id: '10', title: 'async' }] }] });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ status: 'ok', taskId: expect.stringMatching(/^task_/) });
      const taskId = res.body.taskId;
      await eventually(async () => {
        const task = await app.call('GET', `/api/v1/tasks/${taskId}`, { principal: admin });
        expect(task.body).toMatchObject({ status: 'ok', taskId, result: { inserted: 1, updated: 0, deleted: 0 } });
      });
      const failing = await batch('sales', { async: true, operations: [{ action: 'insert', rows: [{ id: '10' }] }] });
      await eventually(async () => {
        const task = await app.call('GET', `/api/v1/tasks/${failing.body.taskId}`, { principal: admin });
        expect(task.body).toMatchObject({ status: 'error', errors: [{ field: 'operations.0.rows.0.id' }] });
      });
      await eventually(() => {
        const events = collector.messages.map((m) => JSON.parse(m.value)).filter((e) => e.instanceId === INSTANCE);
        expect(events).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ type: RecordsChanged.type, data: expect.objectContaining({ taskId, inserted: 1 }) }),
            expect.objectContaining({ type: BatchTaskCompleted.type, data: expect.objectContaining({ taskId, status: 'ok' }) }),
            expect.objectContaining({ type: BatchTaskCompleted.type, data: expect.objectContaining({ taskId: failing.body.taskId, status: 'error' }) }),
          ]),
        );
      }, { timeoutMs: 15_000 });
      // Keyed like the entity type's own events (EntityTypeDefined), so one partition keeps a type's
      // definition and its records' changes in order.
      const changed = collector.messages.find((m) => {
        const e = JSON.parse(m.value);
        return e.type === RecordsChanged.type && e.data.taskId === taskId;
      })!;
      expect([changed.key, JSON.parse(changed.value).aggregateId]).toEqual([entityTypeStreamId(INSTANCE, 'sales'), entityTypeStreamId(INSTANCE, 'sales')]);
      // Its end too, so a subscriber that mirrors the records has the task's changes when it hears it ended.
      const ended = collector.messages.find((m) => {
        const e = JSON.parse(m.value);
        return e.type === BatchTaskCompleted.type && e.data.taskId === taskId;
      })!;
      expect([ended.key, ended.partition]).toEqual([changed.key, changed.partition]);
      expect(collector.messages.indexOf(ended)).toBeGreaterThan(collector.messages.indexOf(changed));
      const other = await app.call('GET', `/api/v1/tasks/${taskId}`, { principal: principalOf('someone_else') });
      expect(other.status).toBe(404);
      const salesReader = principalOf(INSTANCE, { kind: 'data', scopes: ['query'], entities: ['sales'] });
      const membersReader = principalOf(INSTANCE, { kind: 'data', scopes: ['query'], entities: ['members'] });
      expect((await app.call('GET', `/api/v1/tasks/${taskId}`, { principal: salesReader })).status).toBe(200);
      expect((await app.call('GET', `/api/v1/tasks/${taskId}`, { principal: membersReader })).status).toBe(404);
    } finally {
      await collector.stop();
    }
  });

  it('applies the async tasks of one entity in the order they were accepted, however long the first one takes', async () => {
    await batch('sales', { operations: [{ action: 'insertOrUpdate', rows: [{ id: 'held', quantity: 1 }] }] });
    // Another session holds the record the first task updates, so that task waits.
    const holder = app.db.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query(`SELECT 1 FROM records WHERE instance_id = $1 AND entity = 'sales' AND pk = 'held' FOR UPDATE`, [INSTANCE]);
      const first = await batch('sales', { async: true, operations: [{ action: 'insertOrUpdate', rows: [{ id: 'held', quantity: 2 }, { id: 'later-gone', title: 'x' }] }] });
      const second = await batch('sales', { async: true, operations: [{ action: 'delete', rows: ['later-gone'] }] });
      const status = async (id: string) => (await app.call('GET', `/api/v1/tasks/${id}`, { principal: admin })).body;
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect([(await status(first.body.taskId)).status, (await status(second.body.taskId)).status]).toEqual(['pending', 'pending']);
      await holder.commitTransaction();
      await eventually(async () => expect((await status(second.body.taskId)).status).toBe('ok'));
      expect([(await status(first.body.taskId)).result, (await status(second.body.taskId)).result]).toEqual([
        { inserted: 1, updated: 1, deleted: 0 },
        { inserted: 0, updated: 0, deleted: 1 },
      ]);
      expect((await rows('sales')).some((r: any) => r.id === 'later-gone')).toBe(false);
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
  });

  it('applies a sync batch after the async ones of its entity accepted before it', async () => {
    await batch('sales', { operations: [{ action: 'insertOrUpdate', rows: [{ id: 'held2', quantity: 1 }] }] });
    const holder = app.db.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query(`SELECT 1 FROM records WHERE instance_id = $1 AND entity = 'sales' AND pk = 'held2' FOR UPDATE`, [INSTANCE]);
      const task = await batch('sales', { async: true, operations: [{ action: 'insertOrUpdate', rows: [{ id: 'held2', quantity: 2 }, { id: 'made-async', title: 'x' }] }] });
      const removal = batch('sales', { operations: [{ action: 'delete', rows: ['made-async'] }] });
      await new Promise((resolve) => setTimeout(resolve, 500));
      await holder.commitTransaction();
      expect((await removal).body).toEqual({ status: 'ok', inserted: 0, updated: 0, deleted: 1 });
      expect((await app.call('GET', `/api/v1/tasks/${task.body.taskId}`, { principal: admin })).body.status).toBe('ok');
      expect((await rows('sales')).some((r: any) => r.id === 'made-async')).toBe(false);
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
  });

  it('starts an earlier task nobody is running before applying a sync batch after it, rather than wait for the sweep', async () => {
    // As a stop or a replica that went leaves one: pending, and no process running it.
    const operations = [{ action: 'insert', rows: [{ id: 'orphaned', title: 'left pending' }] }];
    await app.db.dataSource.query(
      `INSERT INTO batch_tasks (id, instance_id, entity, status, operations) VALUES ('task_orphaned', $1, 'sales', 'pending', $2::jsonb)`,
      [INSTANCE, JSON.stringify(operations)],
    );
    const removal = await batch('sales', { operations: [{ action: 'delete', rows: ['orphaned'] }] });
    expect([removal.status, removal.body.deleted]).toEqual([200, 1]);
    expect((await app.call('GET', '/api/v1/tasks/task_orphaned', { principal: admin })).body.status).toBe('ok');
  });

  it('lists the instance’s tasks, most recent first, by entity and status, as far as the caller may see', async () => {
    expect((await define('ledger', [{ name: 'amount', type: 'number' }])).status).toBe(201);
    const ok = await batch('ledger', { async: true, operations: [{ action: 'insert', rows: [{ id: 'l1', amount: 1 }] }] });
    const failing = await batch('ledger', { async: true, operations: [{ action: 'insert', rows: [{ id: 'l1' }] }] });
    const list = (query: string, principal = admin) => app.call('GET', `/api/v1/tasks${query}`, { principal });
    await eventually(async () => expect((await list('?entity=ledger&status=error')).body.tasks.map((t: any) => t.taskId)).toEqual([failing.body.taskId]));
    const all = await list('?entity=ledger');
    expect([all.status, all.body.tasks.map((t: any) => [t.taskId, t.status])]).toEqual([200, [[failing.body.taskId, 'error'], [ok.body.taskId, 'ok']]]);
    expect(all.body.tasks[0]).toMatchObject({ entity: 'ledger', message: 'Duplicate primary key', errors: [{ field: 'operations.0.rows.0.id' }] });
    expect((await list('?limit=1')).body.tasks.map((t: any) => t.taskId)).toEqual([failing.body.taskId]);
    const salesReader = principalOf(INSTANCE, { kind: 'data', scopes: ['query'], entities: ['sales'] });
    expect((await list('', salesReader)).body.tasks.some((t: any) => t.entity === 'ledger')).toBe(false);
    expect((await list('', principalOf('someone_else'))).body.tasks).toEqual([]);
    const bad = await list('?status=done&limit=0');
    expect([bad.status, bad.body.errors.map((e: any) => e.field).sort()]).toEqual([400, ['limit', 'status']]);
  });

  it('pages through every task, older ones too: a page’s next is the before of the following one', async () => {
    expect((await define('journal', [{ name: 'amount', type: 'number' }])).status).toBe(201);
    const accepted: string[] = [];
    for (let i = 0; i < 5; i++) {
      accepted.push((await batch('journal', { async: true, operations: [{ action: 'insert', rows: [{ id: `j${i}`, amount: i }] }] })).body.taskId);
    }
    const list = (query: string, principal = admin) => app.call('GET', `/api/v1/tasks${query}`, { principal });
    const seen: string[] = [];
    let before: string | undefined;
    for (let page = 0; page < 5; page++) {
      const res = await list(`?entity=journal&limit=2${before ? `&before=${before}` : ''}`);
      expect([res.status, res.body.tasks.length <= 2]).toEqual([200, true]);
      seen.push(...res.body.tasks.map((t: any) => t.taskId));
      before = res.body.next;
      if (!before) break;
    }
    expect(seen).toEqual([...accepted].reverse());
    // Exactly a page's worth left: the last page says nothing more is left.
    expect((await list(`?entity=journal&limit=4&before=${accepted[4]}`)).body).toEqual({ status: 'ok', tasks: expect.any(Array) });
    // Without an entity filter, the instance's tasks page too, and never repeat.
    const first = await list('?limit=3');
    const next = await list(`?limit=3&before=${first.body.next}`);
    expect(next.body.tasks.map((t: any) => t.taskId).some((id: string) => first.body.tasks.some((t: any) => t.taskId === id))).toBe(false);
    // A cursor the caller cannot see is refused, naming it.
    const salesReader = principalOf(INSTANCE, { kind: 'data', scopes: ['query'], entities: ['sales'] });
    for (const [query, principal] of [
      [`?before=${accepted[2]}`, salesReader],
      [`?before=${accepted[2]}`, principalOf('someone_else')],
      ['?before=task_unknown', admin],
      ['?before=nope', admin],
    ] as const) {
      const refused = await list(query, principal);
      expect([refused.status, refused.body.errors?.map((e: any) => e.field)]).toEqual([400, ['before']]);
    }
  });

  it('finishes a task left pending by a crash when the service starts again', async () => {
    await app.db.dataSource.query(
      `INSERT INTO batch_tasks (id, instance_id, entity, status, operations) VALUES ('task_orphan', $2, 'sales', 'pending', $1)`,
      [JSON.stringify([{ action: 'insert', rows: [{ id: 'orphan', title: 'left behind' }] }]), INSTANCE],
    );
    await app.restart();
    await eventually(async () => {
      const task = await app.call('GET', '/api/v1/tasks/task_orphan', { principal: admin });
      expect(task.body.status).toBe('ok');
    });
    expect((await rows('sales')).map((r: any) => r.id)).toContain('orphan');
  });

  it('keeps a task its database connection was cut from pending, and applies it later', async () => {
    await batch('sales', { operations: [{ action: 'insertOrUpdate', rows: [{ id: 'cut', quantity: 1 }] }] });
    const holder = app.db.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    let taskId: string;
    try {
      await holder.query(`SELECT 1 FROM records WHERE instance_id = $1 AND entity = 'sales' AND pk = 'cut' FOR UPDATE`, [INSTANCE]);
      const accepted = await batch('sales', { async: true, operations: [{ action: 'insertOrUpdate', rows: [{ id: 'cut', quantity: 2 }] }] });
      taskId = accepted.body.taskId;
      // The task waits on the held record; its connection is cut there, as a database restart or a failover would.
      const [{ pid: holderPid }] = await holder.query(`SELECT pg_backend_pid() AS pid`);
      const waiter = await eventually(async () => {
        const [row]: { pid: number }[] = await app.db.dataSource.query(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> $1`,
          [holderPid],
        );
        expect(row).toBeDefined();
        return row.pid;
      });
      await app.db.dataSource.query(`SELECT pg_terminate_backend($1)`, [waiter]);
      await eventually(async () => expect((await app.db.dataSource.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1`, [waiter])).length).toBe(0));
      const status = async () => (await app.call('GET', `/api/v1/tasks/${taskId}`, { principal: admin })).body;
      expect(await status()).toMatchObject({ status: 'pending' });
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
    await app.restart(); // the sweep runs at start
    await eventually(async () => {
      const task = await app.call('GET', `/api/v1/tasks/${taskId}`, { principal: admin });
      expect(task.body).toMatchObject({ status: 'ok', result: { inserted: 0, updated: 1, deleted: 0 } });
    });
  });

  it('forgets finished tasks after TASK_RETENTION_DAYS, and keeps newer and pending ones', async () => {
    const task = (id: string, status: string, finishedDaysAgo: number | null) =>
      app.db.dataSource.query(
        `INSERT INTO batch_tasks (id, instance_id, entity, status, operations, created_at, finished_at)
         VALUES ($1, $2, 'sales', $3, NULL, now() - interval '40 days', CASE WHEN $4::int IS NULL THEN NULL ELSE now() - make_interval(days => $4::int) END)`,
        [id, INSTANCE, status, finishedDaysAgo],
      );
    await task('task_old_ok', 'ok', 31);
    await task('task_old_error', 'error', 45);
    await task('task_recent', 'ok', 29);
    await app.restart(); // the sweep runs at start
    const status = async (id: string) => (await app.call('GET', `/api/v1/tasks/${id}`, { principal: admin })).status;
    await eventually(async () => expect([await status('task_old_ok'), await status('task_old_error')]).toEqual([404, 404]));
    expect(await status('task_recent')).toBe(200);
  });
});
