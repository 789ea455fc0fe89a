import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import Ajv from 'ajv';
import { api, eventually } from '@tollgate/testing';
import { call, createInstance, createUser, issue, operator, url, type TestInstance } from '../identity/identity-e2e.fixture';
import { as, defineAndLoad, remaining, withKey } from './query-e2e.fixture';

const TRICKY = '=1+2, "quoted"\nsecond line <&>';
const ids = (list: { id: string }[]) => list.map((r) => r.id);

describe('query through the gateway (e2e)', () => {
  let t: TestInstance;
  let key: string;
  let owner: { id: string };
  let personalKey: string;

  beforeAll(async () => {
    t = await createInstance();
    key = t.orgKey;
    owner = await createUser(t, { query: 'admin' });
    personalKey = (await issue(t, { kind: 'personal', description: 'mine', ownerId: owner.id, scopes: ['query'] })).key;
    await defineAndLoad(key, 'actions', [{ name: 'status', type: 'string' }, { name: 'due_date', type: 'date' }, { name: 'priority', type: 'number' }], [
      { id: 'a1', title: 'Write report', createdAt: '2026-01-01T09:00:00Z', updatedAt: '2026-01-05T09:00:00Z', status: 'open', due_date: '2026-01-10', priority: 2 },
      { id: 'a2', title: TRICKY, createdAt: '2026-01-02T09:00:00Z', updatedAt: '2026-01-02T09:00:00Z', status: 'done', priority: 1,
        responsibilities: [{ userId: owner.id, role: 'owner' }] },
      { id: 'a3', title: 'answer mail', createdAt: '2026-01-03T09:00:00Z', updatedAt: '2026-01-03T09:00:00Z', status: 'open', priority: 3 },
    ]);
    await defineAndLoad(key, 'graphs', [{ name: 'kind', type: 'string' }], [{ id: 'g1', title: 'Process map', kind: 'flow' }]);
  });

  it('answers the documented JSON with credit headers and meta, one credit per entity', async () => {
    const before = await remaining(key);
    const res = await as(key, 'GET', '/api/v1/query?entities=actions,graphs');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-credits-cost')).toBe('2');
    expect(Number(res.headers.get('x-credits-remaining'))).toBe(before - 2);
    expect(res.body.meta).toEqual({ cost: 2, remaining: before - 2 });
    expect(ids(res.body.data.actions)).toEqual(['a3', 'a2', 'a1']);
    expect(res.body.data.graphs[0]).toMatchObject({ id: 'g1', title: 'Process map', kind: 'flow' });
    expect(await remaining(key)).toBe(before - 2);
  });

  it('honours every parameter: period, sort, order, limit, display, format by extension', async () => {
    const q = async (params: string) => (await as(key, 'GET', `/api/v1/query?entities=actions&${params}`)).body.data.actions;
    expect(ids(await q('from=2026-01-02&to=2026-01-02'))).toEqual(['a2']);
    expect(ids(await q('sort=updated'))).toEqual(['a1', 'a3', 'a2']);
    expect(ids(await q('sort=alpha&order=asc'))).toEqual(['a2', 'a3', 'a1']);
    expect(ids(await q('order=asc&limit=2'))).toEqual(['a1', 'a2']);
    expect(await q('limit=1&display=title,priority')).toEqual([{ title: 'answer mail', priority: 3 }]);
    const one = await as(key, 'GET', '/api/v1/entities/actions.json?limit=1&format=xml');
    expect(one.headers.get('content-type')).toMatch(/json/);
    expect(one.headers.get('x-credits-cost')).toBe('1');
  });

  it('writes each record as compact JSON, even for fields named like the storage’s own columns', async () => {
    const fields = [{ name: 'created_at', type: 'string' }, { name: 'instance_id', type: 'number' }, { name: 'fields', type: 'json' }];
    await defineAndLoad(key, 'lookalikes', fields, [
      { id: 'l1', title: 'Old', createdAt: '2026-01-01T00:00:00Z', created_at: 'yesterday', instance_id: 7, fields: { a: [1, 2] }, responsibilities: [{ userId: 'u1', role: 'owner' }, { userId: 'u2', role: 'reviewer' }] },
      { id: 'l2', title: 'New', createdAt: '2026-01-02T00:00:00Z', created_at: 'today', instance_id: 8, fields: null },
    ]);
    const res = await as(key, 'GET', '/api/v1/entities/lookalikes?from=2026-01-01&sort=created&order=asc&display=id,created_at,instance_id,fields,responsibilities');
    expect(res.status).toBe(200);
    // A json field is written as stored (jsonb's own spacing); responsibilities compactly like the rest.
    expect(res.text).toContain(
      '[{"id":"l1","created_at":"yesterday","instance_id":7,"fields":{"a": [1, 2]},"responsibilities":[{"role":"owner","userId":"u1"},{"role":"reviewer","userId":"u2"}]},' +
        '{"id":"l2","created_at":"today","instance_id":8,"fields":null,"responsibilities":[]}]',
    );
  });

  it('streams CSV and XML that parse back, titles intact and formulas neutralised', async () => {
    const csv = await as(key, 'GET', '/api/v1/query.csv?entities=actions,graphs&delimiter=;&order=asc');
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const rows = parseCsv(csv.text, { columns: true, delimiter: ';' }) as Record<string, string>[];
    expect(rows.map((r) => [r.entity, r.id])).toEqual([['actions', 'a1'], ['actions', 'a2'], ['actions', 'a3'], ['graphs', 'g1']]);
    expect(rows[1].title).toBe(`'${TRICKY}`);
    const xml = await as(key, 'GET', '/api/v1/entities/actions.xml?order=asc');
    const doc = new XMLParser({ parseTagValue: false, isArray: (n) => n === 'record' }).parse(xml.text);
    expect(doc.response.data.actions.record.map((r: any) => r.title)).toEqual(['Write report', TRICKY, 'answer mail']);
  });

  it('starts a CSV with a byte order mark on request (bom=true), so that Excel reads it as UTF-8', async () => {
    const res = await fetch(url('/api/v1/entities/actions.csv?order=asc&bom=true'), { headers: withKey(key) });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([res.status, [...bytes.subarray(0, 3)]]).toEqual([200, [0xef, 0xbb, 0xbf]]);
    const rows = parseCsv(bytes, { columns: true, bom: true }) as Record<string, string>[];
    expect(rows.map((r) => r.id)).toEqual(['a1', 'a2', 'a3']);
    const plain = Buffer.from(await (await fetch(url('/api/v1/entities/actions.csv?order=asc'), { headers: withKey(key) })).arrayBuffer());
    expect(plain.subarray(0, 3).toString()).toBe('id,');
  });

  it('keeps to the caller\'s responsibilities with mine=true, for personal keys only', async () => {
    const mine = await as(personalKey, 'GET', '/api/v1/query?entities=actions&mine=true');
    expect(ids(mine.body.data.actions)).toEqual(['a2']);
    expect((await as(key, 'GET', '/api/v1/query?entities=actions&mine=true')).status).toBe(400);
  });

  it('charges nothing for refused requests', async () => {
    const dataKey = (await issue(t, { kind: 'data', description: 'graphs only', scopes: ['query'], entities: ['graphs'] })).key;
    const before = await remaining(key);
    const refusals: [string, string, number][] = [
      [key, '/api/v1/query?entities=actions&colour=red', 400],
      [key, '/api/v1/query?entities=ghosts', 400],
      [key, '/api/v1/entities/ghosts', 404], // the path names no such thing in the instance
      [key, '/api/v1/entities/ghosts.csv', 404],
      [key, '/api/v1/entities/actions.txt', 400], // not a format
      [key, '/api/v1/query?entities=actions&limit=0', 400],
      [key, '/api/v1/query?entities=actions&display=nope', 400],
      [key, '/api/v1/entities/actions.csv?bom=yes', 400],
      [key, '/api/v1/query', 400],
      [dataKey, '/api/v1/query?entities=actions', 403],
      ['tg_organization_not_a_key_o', '/api/v1/query?entities=actions', 401],
    ];
    for (const [k, path, status] of refusals) {
      const res = await as(k, 'GET', path);
      expect([path, res.status]).toEqual([path, status]);
      expect(res.body.status).toBe('error');
    }
    expect((await as(dataKey, 'GET', '/api/v1/query?entities=graphs')).status).toBe(200);
    expect(await remaining(key)).toBe(before - 1);
    // Said in words: the list of values, written out, read ",, ;, |, \t".
    expect((await as(key, 'GET', '/api/v1/entities/actions.csv?delimiter=ab')).body.errors).toEqual([
      { field: 'delimiter', message: 'delimiter must be a comma, a semicolon, | or a tab (%09)' },
    ]);
  });

  it('counts the days of from and to in the instance\'s time zone (Europe/Paris here), as its credit pool does', async () => {
    // 23:30 UTC on the 5th is half past midnight on the 6th in Paris.
    await defineAndLoad(key, 'late_night', [], [{ id: 'n1', title: 'After midnight in Paris', createdAt: '2026-01-05T23:30:00Z' }]);
    const days = async (path: string) => {
      const res = await as(key, 'GET', path);
      return [path, res.status, res.text.includes('n1')];
    };
    expect(await days('/api/v1/query?entities=late_night&from=2026-01-06&to=2026-01-06')).toEqual(['/api/v1/query?entities=late_night&from=2026-01-06&to=2026-01-06', 200, true]);
    expect(await days('/api/v1/entities/late_night.csv?to=2026-01-05')).toEqual(['/api/v1/entities/late_night.csv?to=2026-01-05', 200, false]);
    const graphql = await as(key, 'POST', '/graphql', { query: '{ late_night(from: "2026-01-06", to: "2026-01-06") { id } }' });
    expect([graphql.status, graphql.body.data]).toEqual([200, { late_night: [{ id: 'n1' }] }]);
  });

  it('takes the first and last days of the calendar as open-ended bounds, in every format and in GraphQL', async () => {
    for (const path of ['/api/v1/query?entities=actions&to=9999-12-31', '/api/v1/entities/actions.csv?from=0001-01-01&to=9999-12-31', '/api/v1/query.xml?entities=actions&from=0001-01-01']) {
      const res = await as(key, 'GET', path);
      expect([path, res.status]).toEqual([path, 200]);
      expect(res.text).toContain('a1');
    }
    const graphql = await as(key, 'POST', '/graphql', { query: '{ actions(from: "0001-01-01", to: "9999-12-31", order: asc) { id } }' });
    expect([graphql.status, graphql.body.data]).toEqual([200, { actions: [{ id: 'a1' }, { id: 'a2' }, { id: 'a3' }] }]);
  });

  it('refuses half of a surrogate pair in a batch or a GraphQL variable, naming where it is, and charges nothing', async () => {
    const before = await remaining(key);
    const batch = await as(key, 'POST', '/api/v1/entities/actions/batch', { operations: [{ action: 'insertOrUpdate', rows: [{ id: 'a9', title: 'broken \ud83d emoji' }] }] });
    expect([batch.status, batch.body.errors]).toEqual([400, [{ field: 'operations.0.rows.0.title', message: expect.stringContaining('lone surrogate') }]]);
    const graphql = await as(key, 'POST', '/graphql', { query: 'query($day: String) { actions(from: $day) { id } }', variables: { day: '\udc00' } });
    expect([graphql.status, graphql.body.errors]).toEqual([400, [{ field: 'variables.day', message: expect.stringContaining('lone surrogate') }]]);
    expect((await as(key, 'GET', '/api/v1/query?entities=actions')).body.data.actions.map((r: { id: string }) => r.id)).not.toContain('a9');
    expect(await remaining(key)).toBe(before - 1);
  });

  it('says which formats there are when an extension is not one of them (any case), and charges nothing', async () => {
    const before = await remaining(key);
    for (const path of ['/api/v1/query.pdf?entities=actions', '/api/v1/query.CSV?entities=actions', '/api/v1/entities/actions.xlsx', '/api/v1/entities/actions.CSV']) {
      const res = await as(key, 'GET', path);
      const ext = /\.(\w+)(\?|$)/.exec(path)![1];
      expect([path, res.status, res.body.code, res.body.errors]).toEqual([
        path, 400, 'validation_failed', [{ field: 'format', message: `.${ext} is not a format: use .json, .csv or .xml` }],
      ]);
    }
    expect((await call('GET', '/api/v1/query.pdf?entities=actions', {})).status).toBe(401);
    expect(await remaining(key)).toBe(before);
  });

  it('says which parameter was given twice, rather than that its value is wrong, and charges nothing', async () => {
    const before = await remaining(key);
    for (const [query, name] of [
      ['entities=actions&limit=2&limit=3', 'limit'],
      ['entities=actions&sort=alpha&sort=alpha', 'sort'],
      ['entities=actions&from=2026-01-01&from=2026-01-02', 'from'],
      ['entities=actions&entities=graphs', 'entities'],
    ]) {
      const res = await as(key, 'GET', `/api/v1/query?${query}`);
      expect([query, res.status, res.body.errors]).toEqual([query, 400, [{ field: name, message: `${name} must be given once` }]]);
    }
    const res = await as(key, 'GET', '/api/v1/entities/actions.csv?display=id&display=title');
    expect([res.status, res.body.errors]).toEqual([400, [{ field: 'display', message: 'display must be given once' }]]);
    // A credential parameter is no different: a repeated one is no missing key (401).
    for (const [query, name, headers] of [
      [`key=${key}&key=${key}`, 'key', {}],
      [`key=${key}&key=tg_organization_not_a_key_o`, 'key', {}],
      [`access_token=${key}&access_token=${key}`, 'access_token', {}],
      [`key=${key}&key=${key}`, 'key', withKey(key)],
    ] as const) {
      const twice = await call('GET', `/api/v1/query?entities=actions&${query}`, headers);
      expect([query, twice.status, twice.body.status, twice.body.code, twice.body.errors]).toEqual([
        query, 400, 'error', 'validation_failed', [{ field: name, message: `${name} must be given once` }],
      ]);
    }
    expect(await remaining(key)).toBe(before);
  });

  it('refuses unknown display fields, a timeout above the limit, a period the wrong way round and aggregates that do not fit before charging: 400, even from an empty pool', async () => {
    const poor = await createInstance();
    await defineAndLoad(poor.orgKey, 'actions', [{ name: 'status', type: 'string' }], [{ id: 'p1', title: 'Only one', status: 'open' }]);
    expect((await call('PATCH', `/api/v1/operator/instances/${poor.instanceId}`, operator(), { dailyCredits: 1 })).status).toBe(200);
    await eventually(async () => expect(await remaining(poor.orgKey)).toBe(1));
    expect((await as(poor.orgKey, 'GET', '/api/v1/entities/actions?display=title,status,responsibilities')).status).toBe(200);

    const typo = await as(poor.orgKey, 'GET', '/api/v1/query?entities=actions&display=title,stauts');
    expect(typo.status).toBe(400);
    expect(typo.body.errors).toEqual([{ field: 'display', message: 'unknown field stauts' }]);
    expect((await as(poor.orgKey, 'POST', '/api/v1/query-builder', { entities: 'actions', display: 'nope' })).status).toBe(400);
    const tooLong = await as(poor.orgKey, 'GET', '/api/v1/entities/actions.csv?timeout=25001');
    expect([tooLong.status, tooLong.body.errors]).toEqual([400, [{ field: 'timeout', message: 'timeout must be between 1 and 25000 ms' }]]);
    const backwards = { field: 'from', message: 'from must not be after to' };
    const backwardsRead = await as(poor.orgKey, 'GET', '/api/v1/query?entities=actions&from=2026-02-01&to=2026-01-01');
    expect([backwardsRead.status, backwardsRead.body.errors]).toEqual([400, [backwards]]);
    const backwardsUrl = await as(poor.orgKey, 'POST', '/api/v1/query-builder', { entities: 'actions', from: '2026-02-01', to: '2026-01-01' });
    expect([backwardsUrl.status, backwardsUrl.body.errors]).toEqual([400, [backwards]]);
    const notPersonal = await as(poor.orgKey, 'POST', '/api/v1/query-builder', { entities: 'actions', mine: 'true' });
    expect([notPersonal.status, notPersonal.body.errors]).toEqual([400, [{ field: 'mine', message: 'mine=true needs a personal key' }]]);
    const aggregate = (body: unknown) => as(poor.orgKey, 'POST', '/api/v1/entities/actions/aggregate', body);
    const badAggregates: [unknown, { field: string; message: string }][] = [
      [{ select: [{ name: 'stauts' }] }, { field: 'select.0.name', message: 'unknown field stauts' }],
      [{ select: [{ name: 'title', agg: 'sum' }] }, { field: 'select.0.agg', message: 'sum needs a number field' }],
      [{ select: [{ name: 'id', agg: 'count' }], where: [{ name: 'createdAt', op: '>', value: '2026-02-30T00:00:00Z' }] }, { field: 'where.0.value', message: 'must be a datetime value usable with >' }],
    ];
    for (const [body, error] of badAggregates) {
      const res = await aggregate(body);
      expect([res.status, res.body.errors]).toEqual([400, [error]]);
    }
    const many = Array.from({ length: 51 }, (_, i) => `part_${i}`);
    for (const name of many) expect((await as(poor.orgKey, 'POST', '/api/v1/entities', { name, primaryKey: 'id', fields: [] })).status).toBe(201);
    const tooMany = await as(poor.orgKey, 'GET', `/api/v1/query.csv?entities=${many.join(',')}`);
    expect([tooMany.status, tooMany.body.errors]).toEqual([400, [{ field: 'entities', message: 'at most 50 entities' }]]);
    const twice = await as(poor.orgKey, 'GET', '/api/v1/entities/actions.csv?display=title,status,title');
    expect([twice.status, twice.body.errors]).toEqual([400, [{ field: 'display', message: 'a field is listed twice' }]]);
    expect((await as(poor.orgKey, 'GET', '/api/v1/entities/actions?display=title')).status).toBe(429);

    // A field defined through the gateway is queryable at once, without waiting for its event.
    const fields = [{ name: 'status', type: 'string' }, { name: 'owner_team', type: 'string' }];
    expect((await as(poor.orgKey, 'POST', '/api/v1/entities', { name: 'actions', primaryKey: 'id', fields })).status).toBe(200);
    const added = await as(poor.orgKey, 'POST', '/api/v1/query-builder', { entities: 'actions', display: 'owner_team' });
    expect([added.status, added.body.cost]).toEqual([200, 1]);
  });

  it('refuses HEAD on metered URLs, charging nothing: it would pay for an answer without a body', async () => {
    const before = await remaining(key);
    for (const path of ['/api/v1/query?entities=graphs', '/api/v1/query.csv?entities=graphs', '/api/v1/entities/graphs.xml']) {
      const head = await api('HEAD', url(path), { headers: withKey(key) });
      expect([path, head.status, head.headers.get('allow'), head.headers.get('x-credits-cost')]).toEqual([path, 405, 'GET', null]);
    }
    expect(await remaining(key)).toBe(before);
  });

  it('charges every request, even when the client sends the same X-Request-Id each time', async () => {
    const headers = { ...withKey(key), 'x-request-id': 'client-trace-7' };
    const before = await remaining(key);
    for (let i = 1; i <= 3; i++) {
      const res = await api('GET', url('/api/v1/entities/graphs?limit=1'), { headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('client-trace-7');
      expect(Number(res.headers.get('x-credits-remaining'))).toBe(before - i);
    }
    expect(await remaining(key)).toBe(before - 3);
  });

  it('refuses an entity name too long to appear in a URL, and serves the longest allowed one at every path', async () => {
    const tooLong = await as(key, 'POST', '/api/v1/entities', { name: `e${'x'.repeat(63)}`, fields: [] });
    expect([tooLong.status, tooLong.body.errors]).toEqual([400, [{ field: 'name', message: 'name must be at most 63 characters' }]]);
    const longest = `e${'x'.repeat(62)}`;
    await defineAndLoad(key, longest, [{ name: 'n', type: 'number' }], [{ id: 'l1', title: 'Long', n: 1 }]);
    expect((await as(key, 'GET', `/api/v1/entities/${longest}.json`)).body.data[longest]).toHaveLength(1);
    const aggregated = await as(key, 'POST', `/api/v1/entities/${longest}/aggregate`, { select: [{ name: 'n', agg: 'sum' }] });
    expect([aggregated.status, aggregated.body.rows]).toEqual([200, [[1]]]);
  });

  it('aggregates for one credit', async () => {
    const before = await remaining(key);
    const res = await as(key, 'POST', '/api/v1/entities/actions/aggregate', {
      select: [{ name: 'status' }, { name: 'priority', agg: 'sum' }],
      group_by: ['status'],
      order_by: [{ name: 'status' }],
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', columns: [{ name: 'status', type: 'string' }, { name: 'priority_sum', type: 'number' }], rows: [['done', 1], ['open', 5]], capped: false });
    expect(res.headers.get('x-credits-cost')).toBe('1');
    expect(await remaining(key)).toBe(before - 1);
  });

  it('describes aggregate requests and answers in the OpenAPI document as they are served', async () => {
    const doc = (await api('GET', url('/api/docs-json'))).body;
    const ajv = new Ajv({ strict: false });
    ajv.addSchema(doc, 'openapi');
    const operation = '#/paths/~1api~1v1~1entities~1{name}~1aggregate/post';
    const fits = (pointer: string, value: unknown) => [ajv.validate({ $ref: `openapi${operation}/${pointer}` }, value), ajv.errorsText()];
    await defineAndLoad(key, 'tagged', [{ name: 'tags', type: 'json' }, { name: 'size', type: 'number' }], [
      { id: 't1', title: 'Listed', tags: ['a', 'b'], size: 2 },
      { id: 't2', title: 'Mapped', tags: { a: 1 }, size: 3 },
    ]);
    const requests = [
      { select: [{ name: 'id', agg: 'count' }], where: [{ name: 'title', op: '=', value: 'Listed' }] },
      { select: [{ name: 'id', agg: 'count' }], where: [{ name: 'size', op: 'in', value: [2, 3] }, { name: 'tags', op: '!=', value: null }], limit: 10 },
      { select: [{ name: 'tags' }, { name: 'size', agg: 'sum' }], group_by: ['tags'], order_by: [{ name: 'size_sum' }] },
      { select: [{ name: 'size' }], only_headers: true },
    ];
    for (const body of requests) {
      expect([body, ...fits('requestBody/content/application~1json/schema', body)]).toEqual([body, true, 'No errors']);
      const res = await as(key, 'POST', '/api/v1/entities/tagged/aggregate', body);
      expect([body, res.status, ...fits('responses/200/content/application~1json/schema', res.body)]).toEqual([body, 200, true, 'No errors']);
    }
  });

  it('builds the query URL with its cost and whether it is affordable, for free', async () => {
    const before = await remaining(key);
    const res = await as(key, 'POST', '/api/v1/query-builder', { entities: ['actions', 'graphs'], sort: 'alpha', limit: 5, format: 'csv' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ url: expect.any(String), cost: 2, remaining: before, affordable: true });
    const built = new URL(res.body.url);
    expect(built.pathname).toBe('/api/v1/query.csv');
    expect(Object.fromEntries(built.searchParams)).toEqual({ entities: 'actions,graphs', sort: 'alpha', limit: '5', key: 'YOUR_KEY_VALUE' });
    expect(built.search).toMatch(/^\?entities=actions,graphs&/); // as a person would write it
    const semicolon = await as(key, 'POST', '/api/v1/query-builder', { entities: 'actions', format: 'csv', delimiter: ';', display: 'id,title' });
    expect(Object.fromEntries(new URL(semicolon.body.url).searchParams)).toEqual({ entities: 'actions', delimiter: ';', display: 'id,title', key: 'YOUR_KEY_VALUE' });
    expect((await as(key, 'POST', '/api/v1/query-builder', { entities: 'ghosts' })).status).toBe(400);
    // Optional parameters sent as null, as clients generated from the API description send them: not sent.
    const nulls = await as(key, 'POST', '/api/v1/query-builder', { entities: 'actions', display: null, limit: null, from: null });
    expect([nulls.status, Object.fromEntries(new URL(nulls.body.url).searchParams)]).toEqual([200, { entities: 'actions', key: 'YOUR_KEY_VALUE' }]);
  });

  it('keeps instances apart', async () => {
    const other = await createInstance();
    await defineAndLoad(other.orgKey, 'actions', [], [{ id: 'x1', title: 'other instance' }]);
    expect(ids((await as(other.orgKey, 'GET', '/api/v1/query?entities=actions')).body.data.actions)).toEqual(['x1']);
    expect(ids((await as(key, 'GET', '/api/v1/query?entities=actions')).body.data.actions)).not.toContain('x1');
    expect((await as(other.orgKey, 'GET', '/api/v1/query?entities=graphs')).status).toBe(400);
    expect((await as(other.orgKey, 'GET', '/api/v1/entities/graphs.xml')).status).toBe(404);
  });
});
