import { Client } from 'pg';
import { eventually } from '@tollgate/testing';
import { principalOf, startQueryApp, type QueryApp } from '../testing/query-app.fixture';

/** A session that can hold the records table, and another that sees which statements wait for it. */
async function recordsLock(url: string) {
  const blocker = new Client({ connectionString: url });
  const watcher = new Client({ connectionString: url });
  await Promise.all([blocker.connect(), watcher.connect()]);
  return {
    hold: async () => {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE records IN ACCESS EXCLUSIVE MODE');
    },
    release: () => blocker.query('COMMIT'),
    waiting: async () =>
      (await watcher.query(`SELECT query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rows.map((r) => r.query as string),
    end: async () => {
      await blocker.query('ROLLBACK');
      await Promise.all([blocker.end(), watcher.end()]);
    },
  };
}

describe('GraphQL (query service, real PostgreSQL)', () => {
  let app: QueryApp;
  const org = principalOf('inst_gql');
  const graphql = (body: unknown) => app.call('POST', '/api/v1/graphql', { principal: org, body });

  beforeAll(async () => {
    app = await startQueryApp();
    await app.call('POST', '/api/v1/entities', { principal: org, body: { name: 'items', fields: [{ name: 'rank', type: 'number' }] } });
    const rows = Array.from({ length: 120 }, (_, i) => ({ id: `i${String(i).padStart(3, '0')}`, rank: i }));
    await app.call('POST', '/api/v1/entities/items/batch', { principal: org, body: { operations: [{ action: 'insert', rows }] } });
    const many = Array.from({ length: 1001 }, (_, i) => ({ id: `m${String(i).padStart(4, '0')}` }));
    await app.call('POST', '/api/v1/entities', { principal: org, body: { name: 'many', fields: [] } });
    await app.call('POST', '/api/v1/entities/many/batch', { principal: org, body: { operations: [{ action: 'insert', rows: many }] } });
  });
  afterAll(() => app.close());

  it('serves a type or field at once after it is defined, as the REST query does', async () => {
    expect((await graphql({ query: '{ items(limit: 1) { id } }' })).status).toBe(200); // the schema is built and kept
    await app.call('POST', '/api/v1/entities', { principal: org, body: { name: 'fresh', fields: [{ name: 'size', type: 'number' }] } });
    await app.call('POST', '/api/v1/entities/fresh/batch', { principal: org, body: { operations: [{ action: 'insert', rows: [{ id: 'f1', size: 3 }] }] } });
    const res = await graphql({ query: '{ fresh { id size } }' });
    expect([res.status, res.body.data]).toEqual([200, { fresh: [{ id: 'f1', size: 3 }] }]);
    await app.call('POST', '/api/v1/entities', { principal: org, body: { name: 'fresh', fields: [{ name: 'size', type: 'number' }, { name: 'colour', type: 'string' }] } });
    expect((await graphql({ query: '{ fresh { id colour } }' })).body.data).toEqual({ fresh: [{ id: 'f1', colour: null }] });
  });

  it('asks PostgreSQL only for the fields a request selects, fragments and directives applied', async () => {
    await app.call('POST', '/api/v1/entities', { principal: org, body: { name: 'docs', fields: [{ name: 'blob', type: 'json' }, { name: 'size', type: 'number' }] } });
    await app.call('POST', '/api/v1/entities/docs/batch', { principal: org, body: { operations: [{ action: 'insert', rows: [{ id: 'd1', blob: { pages: [1, 2] }, size: 2 }] }] } });
    const lock = await recordsLock(app.db.url);
    /** The statement the service sends for `query`, as PostgreSQL sees it while a lock holds it, and the answer. */
    const asked = async (query: string, variables?: object) => {
      await lock.hold();
      const answer = graphql({ query, variables });
      const statement = await eventually(async () => {
        const waiting = await lock.waiting();
        expect(waiting).toHaveLength(1);
        return waiting[0];
      });
      await lock.release();
      return { statement, answer: (await answer).body.data };
    };
    try {
      const slim = await asked('{ docs { id size } }');
      expect([slim.statement.includes("'blob'"), slim.statement.includes("'size'"), slim.answer]).toEqual([false, true, { docs: [{ id: 'd1', size: 2 }] }]);
      const full = await asked('query($all: Boolean!) { docs { ...more } } fragment more on DocsRecord { title blob @include(if: $all) }', { all: true });
      expect([full.statement.includes("'blob'"), full.answer]).toEqual([true, { docs: [{ title: '', blob: { pages: [1, 2] } }] }]);
    } finally {
      await lock.end();
    }
  });

  it('reads nothing more once a field has failed the request', async () => {
    const lock = await recordsLock(app.db.url);
    try {
      await lock.hold();
      const res = await graphql({ query: '{ bad: items(from: "2026-02-30") { id } good: items { id } }' });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      // Had the second field been read anyway, its statement would be waiting on the lock by now.
      await new Promise((r) => setTimeout(r, 300));
      expect(await lock.waiting()).toEqual([]);
    } finally {
      await lock.end();
    }
  });

  it('reads the default number of records for a limit given as null, as for any argument left null', async () => {
    const query = 'query($limit: Int, $sort: Sort) { items(limit: $limit, sort: $sort) { id } }';
    for (const variables of [{ limit: null }, { limit: null, sort: null }, {}]) {
      const res = await graphql({ query, variables });
      expect([JSON.stringify(variables), res.status, res.body.data?.items.length]).toEqual([JSON.stringify(variables), 200, 100]);
    }
    const literal = await graphql({ query: '{ items(limit: null) { id } }' });
    expect([literal.status, literal.body.data?.items.length]).toEqual([200, 100]);
  });

  it('reads one record past the limit to say a field was cut short, in one round trip even at 1,000', async () => {
    // More reads than an instance may hold streams open (QUERY_STREAMS_PER_INSTANCE): none is a stream.
    for (let i = 0; i < 4; i++) {
      const res = await graphql({ query: '{ many(limit: 1000) { id } items(limit: 1000) { id } }' });
      expect([res.status, res.body.data?.many.length, res.body.data?.items.length, res.body.extensions?.capped]).toEqual([200, 1000, 120, ['many']]);
    }
    const all = await graphql({ query: '{ many(limit: 1000, sort: alpha, order: desc) { id } }' });
    expect(all.body.data.many[0]).toEqual({ id: 'm1000' });
  });

  it("reads one request's root fields one at a time, so 12 aliased fields never hold every connection of the pool", async () => {
    const lock = await recordsLock(app.db.url);
    try {
      await lock.hold();
      const fields = Array.from({ length: 12 }, (_, i) => `f${i}: items(limit: 1) { id }`).join(' ');
      const answer = graphql({ query: `{ ${fields} }` });
      const waiting = async () => (await lock.waiting()).length;
      await eventually(async () => expect(await waiting()).toBeGreaterThanOrEqual(1));
      // The other fields wait their turn in the service, not on the lock: however long it is held.
      for (let i = 0; i < 10; i++) {
        expect(await waiting()).toBe(1);
        await new Promise((r) => setTimeout(r, 50));
      }
      await lock.release();
      const res = await answer;
      expect([res.status, Object.keys(res.body.data).length, res.body.extensions.cost]).toEqual([200, 12, 1]); // one entity
    } finally {
      await lock.end();
    }
  });
});
