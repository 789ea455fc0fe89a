import { Client } from 'pg';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import { eventually } from '@tollgate/testing';
import { principalOf, startQueryApp, type QueryApp } from '../testing/query-app.fixture';

const TRICKY = 'Comma, "quotes"\nnew line <&> done';

describe('queries (query service, real PostgreSQL)', () => {
  let app: QueryApp;
  const org = principalOf('inst_q');
  const get = (path: string, principal = org) => app.call('GET', path, { principal });
  const ids = (list: any[]) => list.map((r) => r.id);
  /** The statements of this database's sessions that wait for a lock just now. */
  const waitingOnLock = async (): Promise<string[]> =>
    (await app.db.dataSource.query(`SELECT query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' ORDER BY query_start`)).map(
      (r: { query: string }) => r.query,
    );

  beforeAll(async () => {
    app = await startQueryApp();
    const define = (name: string, fields: unknown[]) =>
      app.call('POST', '/api/v1/entities', { principal: org, body: { name, primaryKey: 'id', fields } });
    await define('notes', [
      { name: 'status', type: 'string' },
      { name: 'amount', type: 'number' },
      { name: 'due', type: 'date' },
      { name: 'payload', type: 'json' },
    ]);
    await define('links', [{ name: 'url', type: 'string' }]);
    const notes = [
      { id: 'n1', title: 'banana', createdAt: '2026-01-01T10:00:00Z', updatedAt: '2026-01-09T00:00:00Z', status: 'open', amount: -5, due: '2026-01-05', payload: { a: 1 } },
      { id: 'n2', title: TRICKY, createdAt: '2026-01-02T23:59:59Z', updatedAt: '2026-01-02T23:59:59Z', status: '=HYPERLINK("x")', amount: 2.5, responsibilities: [{ userId: 'u1', role: 'owner' }] },
      { id: 'n3', title: 'apple', createdAt: '2026-01-03T00:00:00Z', updatedAt: '2026-01-04T00:00:00Z', status: '@SUM(A1)', responsibilities: [{ userId: 'u2', role: 'owner' }, { userId: 'u1', role: 'reviewer' }] },
      { id: 'n4', title: 'cherry', createdAt: '2026-01-04T08:00:00Z', updatedAt: '2026-01-05T00:00:00Z', status: 'done' },
    ];
    await app.call('POST', '/api/v1/entities/notes/batch', { principal: org, body: { operations: [{ action: 'insert', rows: notes }] } });
    await app.call('POST', '/api/v1/entities/links/batch', {
      principal: org,
      body: { operations: [{ action: 'insert', rows: [{ id: 'l1', title: '+1 link', url: 'https://a.example/?q=1,2' }] }] },
    });
    await app.call('POST', '/api/v1/entities', { principal: principalOf('inst_other'), body: { name: 'notes', fields: [] } });
    await app.call('POST', '/api/v1/entities/notes/batch', {
      principal: principalOf('inst_other'),
      body: { operations: [{ action: 'insert', rows: [{ id: 'secret', title: 'other instance' }] }] },
    });
  });
  afterAll(() => app.close());

  it('answers with every record, newest first, and the documented JSON shape by default', async () => {
    const res = await get('/api/v1/query?entities=notes');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.body.status).toBe('ok');
    expect(res.body.meta).toEqual({ cost: 1, remaining: null });
    expect(ids(res.body.data.notes)).toEqual(['n4', 'n3', 'n2', 'n1']);
    expect(res.body.data.notes[3]).toEqual({
      id: 'n1',
      title: 'banana',
      createdAt: '2026-01-01T10:00:00.000Z',
      updatedAt: '2026-01-09T00:00:00.000Z',
      status: 'open',
      amount: -5,
      due: '2026-01-05',
      payload: { a: 1 },
      responsibilities: [],
    });
    expect(res.body.data.notes[1].responsibilities).toEqual([{ userId: 'u2', role: 'owner' }, { userId: 'u1', role: 'reviewer' }]);
  });

  it('filters by creation day, inclusive at both ends', async () => {
    const res = await get('/api/v1/query?entities=notes&from=2026-01-02&to=2026-01-03');
    expect(ids(res.body.data.notes)).toEqual(['n3', 'n2']);
    expect(ids((await get('/api/v1/query?entities=notes&from=2026-01-04')).body.data.notes)).toEqual(['n4']);
    expect(ids((await get('/api/v1/query?entities=notes&to=2026-01-01')).body.data.notes)).toEqual(['n1']);
  });

  it('counts the days of from and to in the instance\'s time zone, in every format and in GraphQL', async () => {
    // n2 (23:59:59 UTC) and n3 (00:00 UTC the next day) fall on one day in New York and in Tokyo.
    const newYork = principalOf('inst_q', { timezone: 'America/New_York' });
    const tokyo = principalOf('inst_q', { timezone: 'Asia/Tokyo' });
    expect(ids((await get('/api/v1/query?entities=notes&from=2026-01-02&to=2026-01-02', newYork)).body.data.notes)).toEqual(['n3', 'n2']);
    expect(ids((await get('/api/v1/query?entities=notes&from=2026-01-03&to=2026-01-03', tokyo)).body.data.notes)).toEqual(['n3', 'n2']);
    expect(ids((await get('/api/v1/query?entities=notes&from=2026-01-02&to=2026-01-02')).body.data.notes)).toEqual(['n2']);
    const csv = await get('/api/v1/entities/notes.csv?to=2026-01-01&display=id', tokyo);
    expect(csv.text.trim().split('\r\n')).toEqual(['id', 'n1']);
    const graphql = await app.call('POST', '/api/v1/graphql', { principal: newYork, body: { query: '{ notes(from: "2026-01-02", to: "2026-01-02") { id } }' } });
    expect([graphql.status, graphql.body.data]).toEqual([200, { notes: [{ id: 'n3' }, { id: 'n2' }] }]);
  });

  it('keeps the first and last days of the calendar open-ended in any time zone', async () => {
    await app.call('POST', '/api/v1/entities', { principal: org, body: { name: 'eras', fields: [] } });
    const rows = [{ id: 'first', createdAt: '0001-01-01T00:00:00Z' }, { id: 'last', createdAt: '9999-12-31T23:59:59Z' }];
    await app.call('POST', '/api/v1/entities/eras/batch', { principal: org, body: { operations: [{ action: 'insert', rows }] } });
    for (const timezone of ['America/New_York', 'Asia/Tokyo']) {
      const all = await get('/api/v1/query?entities=eras&from=0001-01-01&to=9999-12-31', principalOf('inst_q', { timezone }));
      expect([timezone, all.status, ids(all.body.data.eras)]).toEqual([timezone, 200, ['last', 'first']]);
    }
  });

  it('takes the first and last days of the calendar as open-ended bounds', async () => {
    for (const period of ['to=9999-12-31', 'from=0001-01-01', 'from=0001-01-01&to=9999-12-31']) {
      const res = await get(`/api/v1/query?entities=notes&${period}`);
      expect([period, res.status, res.body.data && ids(res.body.data.notes)]).toEqual([period, 200, ['n4', 'n3', 'n2', 'n1']]);
    }
    const graphql = await app.call('POST', '/api/v1/graphql', { principal: org, body: { query: '{ notes(from: "0001-01-01", to: "9999-12-31") { id } }' } });
    expect([graphql.status, graphql.body.data]).toEqual([200, { notes: [{ id: 'n4' }, { id: 'n3' }, { id: 'n2' }, { id: 'n1' }] }]);
  });

  it('sorts by creation, update or title, either way', async () => {
    expect(ids((await get('/api/v1/query?entities=notes&order=asc')).body.data.notes)).toEqual(['n1', 'n2', 'n3', 'n4']);
    expect(ids((await get('/api/v1/query?entities=notes&sort=updated')).body.data.notes)).toEqual(['n1', 'n4', 'n3', 'n2']);
    expect(ids((await get('/api/v1/query?entities=notes&sort=alpha&order=asc')).body.data.notes)).toEqual(['n3', 'n1', 'n4', 'n2']);
  });

  it('limits per entity, returns only displayed fields, and serves /entities/:name the same way', async () => {
    const res = await get('/api/v1/query?entities=notes,links&limit=1&display=id,title');
    expect(res.body.data).toEqual({ notes: [{ id: 'n4', title: 'cherry' }], links: [{ id: 'l1', title: '+1 link' }] });
    expect(res.body.meta.cost).toBe(2);
    const one = await get('/api/v1/entities/notes?limit=2&display=status,id');
    expect(one.body.data.notes).toEqual([{ status: 'done', id: 'n4' }, { status: '@SUM(A1)', id: 'n3' }]);
  });

  it('keeps to the records where the caller holds a responsibility with mine=true (personal keys only)', async () => {
    const personal = principalOf('inst_q', { kind: 'personal', userId: 'u1' });
    expect(ids((await get('/api/v1/query?entities=notes&mine=true', personal)).body.data.notes)).toEqual(['n3', 'n2']);
    const refused = await get('/api/v1/query?entities=notes&mine=true');
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ field: 'mine', message: expect.any(String) }]);
  });

  it('refuses unknown parameters, entities and fields (400), unknown entities in the path (404) and entities outside a data key (403)', async () => {
    for (const path of [
      '/api/v1/query?entities=notes&colour=red',
      '/api/v1/query?entities=ghosts',
      '/api/v1/query',
      '/api/v1/query?entities=notes&display=nope',
      '/api/v1/query?entities=notes&limit=0',
      '/api/v1/query?entities=notes&from=2026-02-30',
      '/api/v1/query?entities=notes&sort=random',
      '/api/v1/entities/notes?entities=links',
    ]) {
      const res = await get(path);
      expect([path, res.status, res.body.code]).toEqual([path, 400, 'validation_failed']);
    }
    for (const path of ['/api/v1/entities/ghosts', '/api/v1/entities/ghosts.csv', '/api/v1/entities/notes.txt']) {
      const res = await get(path);
      expect([path, res.status, res.body.code]).toEqual([path, 404, 'not_found']);
    }
    const dataKey = principalOf('inst_q', { kind: 'data', scopes: ['query'], entities: ['links'] });
    expect((await get('/api/v1/query?entities=notes,links', dataKey)).status).toBe(403);
    expect((await get('/api/v1/query?entities=links', dataKey)).status).toBe(200);
  });

  it('never shows another instance\'s records', async () => {
    const res = await get('/api/v1/query?entities=notes');
    expect(ids(res.body.data.notes)).not.toContain('secret');
    const other = await get('/api/v1/query?entities=notes', principalOf('inst_other'));
    expect(ids(other.body.data.notes)).toEqual(['secret']);
    expect((await get('/api/v1/query?entities=links', principalOf('inst_other'))).status).toBe(400);
  });

  it('writes RFC 4180 CSV that parses back, with neutralised formulas and an entity column for several entities', async () => {
    const res = await get('/api/v1/query.csv?entities=notes&order=asc');
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    const rows = parseCsv(res.text, { columns: true }) as any[];
    expect(Object.keys(rows[0])).toEqual(['id', 'title', 'createdAt', 'updatedAt', 'status', 'amount', 'due', 'payload', 'responsibilities']);
    expect(rows[1].title).toBe(TRICKY);
    expect(rows[1].status).toBe(`'=HYPERLINK("x")`);
    expect(rows[2].status).toBe(`'@SUM(A1)`);
    expect(rows[0].amount).toBe('-5');
    expect(JSON.parse(rows[0].payload)).toEqual({ a: 1 });

    const several = await get('/api/v1/entities/notes.csv?format=json&limit=1');
    expect(several.headers.get('content-type')).toMatch(/text\/csv/);
    const both = parseCsv((await get('/api/v1/query?entities=notes,links&format=csv&delimiter=;&limit=1')).text, { columns: true, delimiter: ";" }) as any[];
    expect(both.map((r: any) => [r.entity, r.id, r.title, r.url])).toEqual([
      ['notes', 'n4', 'cherry', ''],
      ['links', 'l1', "'+1 link", 'https://a.example/?q=1,2'],
    ]);
  });

  it('writes a field set to null as an empty cell or element, whatever its type, as one never set', async () => {
    const nulls = principalOf('inst_nulls');
    await app.call('POST', '/api/v1/entities', {
      principal: nulls,
      body: { name: 'facts', fields: [{ name: 'label', type: 'string' }, { name: 'size', type: 'number' }, { name: 'extra', type: 'json' }] },
    });
    const rows = [
      { id: 'f1', title: 'set to null', createdAt: '2026-01-01T00:00:00Z', label: null, size: null, extra: null },
      { id: 'f2', title: 'never set', createdAt: '2026-01-02T00:00:00Z' },
      { id: 'f3', title: 'nulls inside', createdAt: '2026-01-03T00:00:00Z', extra: { a: null } },
    ];
    await app.call('POST', '/api/v1/entities/facts/batch', { principal: nulls, body: { operations: [{ action: 'insert', rows }] } });
    const csv = parseCsv((await get('/api/v1/query.csv?entities=facts&order=asc&display=id,label,size,extra', nulls)).text, { columns: true }) as any[];
    expect(csv).toEqual([
      { id: 'f1', label: '', size: '', extra: '' },
      { id: 'f2', label: '', size: '', extra: '' },
      { id: 'f3', label: '', size: '', extra: '{"a": null}' },
    ]);
    const xml = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'record' }).parse(
      (await get('/api/v1/query.xml?entities=facts&order=asc&display=id,extra', nulls)).text,
    );
    expect(xml.response.data.facts.record.map((r: any) => r.extra)).toEqual(['', '', '{"a": null}']);
  });

  it('writes well-formed XML that parses back to the same records', async () => {
    const res = await get('/api/v1/query.xml?entities=notes,links&order=asc');
    expect(res.headers.get('content-type')).toMatch(/application\/xml/);
    const doc = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (name) => name === 'record' || name === 'responsibility' }).parse(res.text);
    const notes = doc.response.data.notes.record;
    expect(notes.map((r: any) => r.id)).toEqual(['n1', 'n2', 'n3', 'n4']);
    expect(notes[1].title).toBe(TRICKY);
    expect(notes[2].responsibilities.responsibility.map((r: any) => r['@_userId'])).toEqual(['u2', 'u1']);
    expect(doc.response.data.links.record[0].url).toBe('https://a.example/?q=1,2');
    expect(doc.response.meta.cost).toBe('2');
  });

  it('streams large results through a cursor in every format', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({ id: `bulk${i}`, title: `row ${i}` }));
    const bulk = principalOf('inst_bulk');
    await app.call('POST', '/api/v1/entities', { principal: bulk, body: { name: 'items', fields: [] } });
    for (let i = 0; i < 4; i++) {
      const chunk = rows.slice(i * 1250, (i + 1) * 1250);
      await app.call('POST', '/api/v1/entities/items/batch', { principal: bulk, body: { operations: [{ action: 'insert', rows: chunk }] } });
    }
    expect((await get('/api/v1/query?entities=items', bulk)).body.data.items).toHaveLength(5000);
    expect(parseCsv((await get('/api/v1/query.csv?entities=items', bulk)).text, { columns: true })).toHaveLength(5000);
    const xml = new XMLParser().parse((await get('/api/v1/query.xml?entities=items&limit=1500', bulk)).text);
    expect(xml.response.data.items.record).toHaveLength(1500);

    // Small entities around a large one: each whole, in the order asked.
    for (const name of ['before', 'after']) {
      await app.call('POST', '/api/v1/entities', { principal: bulk, body: { name, fields: [] } });
      await app.call('POST', `/api/v1/entities/${name}/batch`, { principal: bulk, body: { operations: [{ action: 'insert', rows: [{ id: `${name}1` }, { id: `${name}2` }] }] } });
    }
    const json = (await get('/api/v1/query?entities=before,items,after&order=asc', bulk)).body.data;
    expect([Object.keys(json), json.before.length, json.items.length, ids(json.after)]).toEqual([['before', 'items', 'after'], 2, 5000, ['after1', 'after2']]);
    const csv = parseCsv((await get('/api/v1/query.csv?entities=before,items,after', bulk)).text, { columns: true }) as any[];
    expect([csv.length, csv[0].entity, csv[2].entity, csv[5002].entity]).toEqual([5004, 'before', 'items', 'after']);
  });

  it('cancels a query over its time limit in the database and answers 504', async () => {
    const timeouts = async () => Number(/^tollgate_query_timeouts_total (\d+)$/m.exec((await app.call('GET', '/metrics')).text)?.[1]);
    const timeoutsBefore = await timeouts();
    expect(timeoutsBefore).toBeGreaterThanOrEqual(0);
    const blocker = new Client({ connectionString: app.db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE records IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const res = await get('/api/v1/query?entities=notes&timeout=300');
      expect(res.status).toBe(504);
      expect(res.body.code).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(5000);
      // Cancelled in the database: while the lock is still held, no read of records waits on.
      await eventually(async () => expect(await waitingOnLock()).toEqual([]));
      const csv = await get('/api/v1/query.csv?entities=notes&timeout=300');
      expect(csv.status).toBe(504);
      await eventually(async () => expect(await waitingOnLock()).toEqual([]));
      expect(await timeouts()).toBe(timeoutsBefore + 2);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    expect((await get('/api/v1/query?entities=notes')).status).toBe(200);
  });

  it('holds a query of several entities to one time limit, not one per entity', async () => {
    // Each entity's read waits about 700 ms for a lock, under the 1,000 ms asked for; together they are over it.
    const [first, second] = [new Client({ connectionString: app.db.url }), new Client({ connectionString: app.db.url })];
    await Promise.all([first.connect(), second.connect()]);
    try {
      await first.query('BEGIN');
      await first.query('LOCK TABLE records IN ACCESS EXCLUSIVE MODE');
      const answer = get('/api/v1/query?entities=notes,links&limit=10&timeout=1000');
      await eventually(async () => expect(await waitingOnLock()).toEqual([expect.stringMatching(/^SELECT .* FROM records/)]));
      // Queued behind the first entity's read: takes the table once that read is done, for 700 ms.
      const again = second.query('BEGIN').then(() => second.query('LOCK TABLE records IN ACCESS EXCLUSIVE MODE'));
      await eventually(async () =>
        expect(await waitingOnLock()).toEqual([expect.stringMatching(/^SELECT .* FROM records/), 'LOCK TABLE records IN ACCESS EXCLUSIVE MODE']),
      );
      await new Promise((r) => setTimeout(r, 600)); // the first entity's read waits this long
      await first.query('COMMIT');
      await again;
      await new Promise((r) => setTimeout(r, 700));
      await second.query('COMMIT');
      // Per entity, both reads would have been within the limit: 200 after some 1,400 ms.
      const res = await answer;
      expect([res.status, res.body.code]).toEqual([504, 'timeout']);
    } finally {
      await Promise.all([first.end(), second.end()]);
    }
  });
});
