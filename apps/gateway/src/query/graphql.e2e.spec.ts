import { buildClientSchema, getIntrospectionQuery } from 'graphql';
import { api, eventually, launchBrowser } from '@tollgate/testing';
import { call, createInstance, createUser, issue, operator, url, type TestInstance } from '../identity/identity-e2e.fixture';
import { as, defineAndLoad, remaining, withKey } from './query-e2e.fixture';

const gql = (key: string, query: string, extra: { variables?: Record<string, unknown>; operationName?: string } = {}) =>
  as(key, 'POST', '/graphql', { query, ...extra });

describe('GraphQL through the gateway (e2e)', () => {
  let t: TestInstance;
  let key: string;
  let personalKey: string;
  let dataKey: string;
  let owner: { id: string };

  beforeAll(async () => {
    t = await createInstance();
    key = t.orgKey;
    owner = await createUser(t, { query: 'admin' });
    personalKey = (await issue(t, { kind: 'personal', description: 'mine', ownerId: owner.id, scopes: ['query'] })).key;
    await defineAndLoad(key, 'actions', [{ name: 'status', type: 'string' }, { name: 'priority', type: 'number' }, { name: 'extra', type: 'json' }], [
      { id: 'a1', title: 'Write report', createdAt: '2026-01-01T09:00:00Z', status: 'open', priority: 2, extra: { tags: ['x'] } },
      { id: 'a2', title: 'Call "Bob", <now>', createdAt: '2026-01-02T09:00:00Z', status: 'done', priority: 1, responsibilities: [{ userId: owner.id, role: 'owner' }] },
      { id: 'a3', title: 'answer mail', createdAt: '2026-01-03T09:00:00Z', status: 'open', priority: 3 },
    ]);
    await defineAndLoad(key, 'graphs', [{ name: 'kind', type: 'string' }], [{ id: 'g1', title: 'Process map', kind: 'flow' }]);
    dataKey = (await issue(t, { kind: 'data', description: 'graphs only', scopes: ['query'], entities: ['graphs'] })).key;
  });

  it('reads several entities with the query parameters as arguments, one credit per entity', async () => {
    const before = await remaining(key);
    const res = await gql(
      key,
      `query Overview($n: Int) {
         actions(order: asc, limit: $n) { id title priority status extra createdAt responsibilities { userId role } }
         graphs { id kind }
         oldest: actions(sort: created, order: asc, limit: 1, from: "2026-01-02") { id }
       }`,
      { variables: { n: 2 } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('x-credits-cost')).toBe('2'); // actions (read twice) and graphs
    expect(res.body.data.actions).toEqual([
      { id: 'a1', title: 'Write report', priority: 2, status: 'open', extra: { tags: ['x'] }, createdAt: '2026-01-01T09:00:00.000Z', responsibilities: [] },
      { id: 'a2', title: 'Call "Bob", <now>', priority: 1, status: 'done', extra: null, createdAt: '2026-01-02T09:00:00.000Z', responsibilities: [{ userId: owner.id, role: 'owner' }] },
    ]);
    expect(res.body.data.graphs).toEqual([{ id: 'g1', kind: 'flow' }]);
    expect(res.body.data.oldest).toEqual([{ id: 'a2' }]);
    expect(res.body.extensions).toEqual({ cost: 2, remaining: before - 2, capped: ['actions', 'oldest'] });
    expect(await remaining(key)).toBe(before - 2);
  });

  it('answers a short request that spreads fragments within fragments at once, charged for what it reads', async () => {
    // 2^60 paths to one field in a request of about 3 KB: followed path by path, it would hold the gateway for ever.
    const n = 60;
    const fragments = Array.from({ length: n }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ');
    const started = Date.now();
    const res = await gql(key, `{ ...F0 } ${fragments} fragment F${n} on Query { graphs { id } }`);
    expect([res.status, res.headers.get('x-credits-cost'), res.body.data]).toEqual([200, '1', { graphs: [{ id: 'g1' }] }]);
    expect(Date.now() - started).toBeLessThan(10_000);
    // A data key's list still holds for entities named only in such fragments.
    const refused = await gql(dataKey, `{ ...F0 } ${fragments} fragment F${n} on Query { actions { id } }`);
    expect([refused.status, refused.body.code]).toEqual([403, 'forbidden']);
  });

  it('passes variables as sent, whatever they are named', async () => {
    const res = await gql(key, 'query ($constructor: Int) { actions(limit: $constructor, sort: alpha, order: asc) { id } }', { variables: { constructor: 1 } });
    expect([res.status, res.body.data]).toEqual([200, { actions: [{ id: 'a3' }] }]);
  });

  it('runs a query sent as GET parameters, as GraphQL clients may send it, and never a mutation', async () => {
    const before = await remaining(key);
    const get = (params: Record<string, string>, headers: Record<string, string> = {}) => api('GET', url(`/graphql?${new URLSearchParams(params)}`), { headers });
    const asked = { query: 'query One($n: Int) { graphs(limit: $n) { id } } query Other { actions { id } }', variables: JSON.stringify({ n: 1 }), operationName: 'One' };
    const res = await get(asked, { ...withKey(key), accept: 'application/graphql-response+json, application/json' });
    expect([res.status, res.body.data, res.headers.get('x-credits-cost')]).toEqual([200, { graphs: [{ id: 'g1' }] }, '1']);
    // The key in the URL, no Accept: as curl sends it.
    const curl = await get({ query: '{ graphs { kind } }', key });
    expect([curl.status, curl.body.data]).toEqual([200, { graphs: [{ kind: 'flow' }] }]);
    // A browser opening such a URL gets the playground, free.
    const page = await get({ query: '{ graphs { id } }' }, { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
    expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);

    const mutation = await get({ query: 'mutation { graphs { id } }' }, withKey(key));
    expect([mutation.status, mutation.body.code, mutation.headers.get('allow')]).toEqual([405, 'method_not_allowed', 'POST']);
    const refusals: [Record<string, string>, Record<string, string>, number, unknown][] = [
      [{ query: '{ graphs { id } }' }, {}, 401, undefined],
      [{ query: '{ graphs { id } }', variables: '{"n":' }, withKey(key), 400, [{ field: 'variables', message: 'variables must be a JSON object' }]],
      [{ query: '{ graphs { id } }', variables: '[1]' }, withKey(key), 400, [{ field: 'variables', message: 'variables must be a JSON object' }]],
      [{ query: '{ graphs { id } }', limit: '5' }, withKey(key), 400, [{ field: 'limit', message: 'unknown parameter limit' }]],
      [{ variables: '{}' }, withKey(key), 400, [{ field: 'query', message: 'query is required' }]],
    ];
    for (const [params, headers, status, errors] of refusals) {
      const refused = await get(params, headers);
      expect([params, refused.status, refused.body.errors]).toEqual([params, status, errors]);
    }
    const twice = await api('GET', url(`/graphql?query=${encodeURIComponent('{ graphs { id } }')}&query=x`), { headers: withKey(key) });
    expect([twice.status, twice.body.errors]).toEqual([400, [{ field: 'query', message: 'query must be given once' }]]);
    expect((await api('HEAD', url(`/graphql?query=${encodeURIComponent('{ graphs { id } }')}`), { headers: withKey(key) })).status).toBe(405);
    expect(await remaining(key)).toBe(before - 2);
  });

  it('answers as application/graphql-response+json to a client that prefers it, errors included', async () => {
    const post = (accept: string | undefined, query: string, k = key) =>
      api('POST', url('/graphql'), { headers: { ...withKey(k), ...(accept ? { accept } : {}) }, body: { query } });
    const GRAPHQL = 'application/graphql-response+json; charset=utf-8';
    const JSON_TYPE = 'application/json; charset=utf-8';
    for (const [accept, type] of [
      ['application/graphql-response+json, application/json;q=0.9', GRAPHQL], // Apollo Client
      ['application/graphql-response+json; charset=utf-8, application/json; charset=utf-8', GRAPHQL],
      ['application/graphql-response+json', GRAPHQL],
      ['application/json', JSON_TYPE],
      ['application/json, application/graphql-response+json;q=0.5', JSON_TYPE],
      ['*/*', JSON_TYPE],
      [undefined, JSON_TYPE],
    ] as const) {
      const res = await post(accept, '{ graphs { id } }');
      expect([accept, res.status, res.headers.get('content-type'), res.body.data]).toEqual([accept, 200, type, { graphs: [{ id: 'g1' }] }]);
    }
    // With this type a 4xx is the server's own answer, so clients read its errors (GraphQL over HTTP).
    for (const [query, k, status] of [['{ graphs { id ', key, 400], ['{ graphs { nope } }', key, 400], ['{ graphs { id } }', 'nokey', 401]] as const) {
      const res = await post('application/graphql-response+json', query, k);
      expect([query, res.status, res.headers.get('content-type'), res.body.errors?.length ?? 0]).toEqual([query, status, GRAPHQL, status === 400 ? 1 : 0]);
    }
    const get = await api('GET', url(`/graphql?query=${encodeURIComponent('{ graphs { id } }')}`), { headers: { ...withKey(key), accept: 'application/graphql-response+json' } });
    expect([get.status, get.headers.get('content-type')]).toEqual([200, GRAPHQL]);
  });

  it('takes the extensions a GraphQL client sends along (and has no use for them)', async () => {
    for (const extensions of [{ clientLibrary: { name: '@apollo/client', version: '4.0.0' } }, null]) {
      const res = await as(key, 'POST', '/graphql', { query: '{ graphs { id } }', extensions });
      expect([res.status, res.body.data]).toEqual([200, { graphs: [{ id: 'g1' }] }]);
    }
    const res = await as(key, 'POST', '/graphql', { query: '{ graphs { id } }', extensions: 'persisted' });
    expect([res.status, res.body.errors]).toEqual([400, [{ field: 'extensions', message: 'extensions must be an object' }]]);
    // Sent as GET parameters, they meet what a POST body meets: nested without end is a 400, charging nothing.
    const before = await remaining(key);
    // 2,000 levels: past the 64 a body may nest, and deep enough to exhaust the stack of what validates it.
    const deep = `{"a":${'['.repeat(2000)}${']'.repeat(2000)}}`;
    const get = await as(key, 'GET', `/graphql?query=${encodeURIComponent('{ graphs { id } }')}&extensions=${encodeURIComponent(deep)}`);
    expect([get.status, get.body.code, get.body.message]).toEqual([400, 'validation_failed', 'The body is nested too deeply']);
    expect(await remaining(key)).toBe(before);
  });

  it('gives each key kind its schema: a data key sees only its entities, only personal keys get mine', async () => {
    const typesOf = async (k: string) =>
      ((await gql(k, '{ __schema { queryType { fields { name args { name } } } } }')).body.data.__schema.queryType.fields as {
        name: string;
        args: { name: string }[];
      }[]).map((f) => `${f.name}(${f.args.map((a) => a.name).join(',')})`);
    const before = await remaining(key);
    expect(await typesOf(dataKey)).toEqual(['graphs(from,to,sort,order,limit)']);
    expect(await typesOf(key)).toEqual(['actions(from,to,sort,order,limit)', 'graphs(from,to,sort,order,limit)']);
    expect(await typesOf(personalKey)).toEqual(['actions(from,to,sort,order,limit,mine)', 'graphs(from,to,sort,order,limit,mine)']);
    expect(await remaining(key)).toBe(before); // introspection is free
    const introspection = await gql(key, '{ __typename }');
    expect([introspection.headers.get('x-credits-cost'), introspection.body.extensions]).toEqual(['0', { cost: 0, remaining: before }]);

    // What GraphiQL and code generators send, free; aliases that would repeat it are refused, free too.
    const full = await gql(key, getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, inputValueDeprecation: true }));
    expect([full.status, full.headers.get('x-credits-cost')]).toEqual([200, '0']);
    expect(Object.keys(buildClientSchema(full.body.data).getQueryType()!.getFields())).toEqual(['actions', 'graphs']);
    const repeated = await gql(key, `{ ${Array.from({ length: 100 }, (_, i) => `s${i}: __schema { ...S }`).join(' ')} } fragment S on __Schema { types { name fields { name } } }`);
    expect([repeated.status, repeated.headers.get('x-credits-cost'), repeated.body.errors[0].message]).toEqual([400, '0', expect.stringContaining('aliases are not taken in introspection')]);
    expect(await remaining(key)).toBe(before);

    // An instance without entity types offers one field, which answers, free.
    const empty = await createInstance();
    const nothing = await gql(empty.orgKey, '{ _empty }');
    expect([nothing.status, nothing.body.data, nothing.headers.get('x-credits-cost')]).toEqual([200, { _empty: null }, '0']);

    const mine = await gql(personalKey, '{ actions(mine: true) { id } }');
    expect(mine.body.data.actions).toEqual([{ id: 'a2' }]);
    // Same schema, another user: mine is theirs, not the previous caller's.
    const other = await createUser(t, { query: 'admin' });
    const otherKey = (await issue(t, { kind: 'personal', description: 'theirs', ownerId: other.id, scopes: ['query'] })).key;
    expect((await gql(otherKey, '{ actions(mine: true) { id } }')).body.data.actions).toEqual([]);
    expect((await gql(dataKey, '{ graphs { id } }')).body.data.graphs).toEqual([{ id: 'g1' }]);
  });

  it('charges one credit per entity it reads, however many aliases read it, none for fields @skip or @include leave out', async () => {
    for (const [query, variables, cost, data] of [
      ['{ graphs(limit: 1) { id } graphs(limit: 1) { kind } }', undefined, 1, { graphs: [{ id: 'g1', kind: 'flow' }] }],
      ['{ graphs(limit: 1) @include(if: false) { id } }', undefined, 0, {}],
      ['{ a: graphs(limit: 1) { id } b: graphs { kind } }', undefined, 1, { a: [{ id: 'g1' }], b: [{ kind: 'flow' }] }],
      ['query($x: Boolean!) { graphs @skip(if: $x) { id } a: actions(limit: 3) { id } }', { x: true }, 1, { a: [{ id: 'a3' }, { id: 'a2' }, { id: 'a1' }] }],
    ] as const) {
      const before = await remaining(key);
      const res = await gql(key, query, { variables });
      expect([query, res.status, res.body.data]).toEqual([query, 200, data]);
      expect([res.headers.get('x-credits-cost'), res.body.extensions]).toEqual([String(cost), { cost, remaining: before - cost }]);
      expect(await remaining(key)).toBe(before - cost);
    }
  });

  it('says which fields stopped at their limit with records left, so a client knows to ask for more', async () => {
    const res = await gql(key, '{ actions(limit: 2) { id } all: actions { id } exactly: actions(limit: 3) { id } graphs(limit: 1) { id } }');
    expect([res.status, res.body.data.actions.length, res.body.data.all.length, res.body.data.exactly.length]).toEqual([200, 2, 3, 3]);
    expect(res.body.extensions).toEqual({ cost: 2, remaining: expect.any(Number), capped: ['actions'] });
  });

  it('refuses bad requests in the documented error shape and charges nothing for them', async () => {
    const before = await remaining(key);
    const refusals: [string, string, number, string][] = [
      [key, '{ actions { id ', 400, 'validation_failed'], // syntax
      [key, 'mutation { actions { id } }', 400, 'validation_failed'],
      [key, '{ nothing { id } }', 400, 'validation_failed'], // unknown entity: refused before charging
      [key, '{ actions { id secret } }', 400, 'validation_failed'],
      [key, '{ actions(limit: 5000) { id } }', 400, 'validation_failed'],
      [key, '{ actions(from: "2026-13-40") { id } }', 400, 'validation_failed'],
      [key, '{ actions(mine: true) { id } }', 400, 'validation_failed'], // mine is for personal keys
      [key, `{ ${'actions { '.repeat(5_000)}id${' }'.repeat(5_001)}`, 400, 'validation_failed'], // nested too deeply
      // as deep through fragments: introspection, which the query service would otherwise validate and fail on
      [key, `{ __type(name: "Query") { ...F0 } }${Array.from({ length: 2_000 }, (_, i) => ` fragment F${i} on __Type { ofType { ...F${i + 1} } }`).join('')} fragment F2000 on __Type { name }`, 400, 'validation_failed'],
      [dataKey, '{ actions { id } }', 403, 'forbidden'],
    ];
    for (const [k, query, status, code] of refusals) {
      const res = await gql(k, query);
      expect({ query, status: res.status, code: res.body.code }).toEqual({ query, status, code });
    }
    const anonymous = await api('POST', url('/graphql'), { body: { query: '{ graphs { id } }' } });
    expect(anonymous.status).toBe(401);
    // A misspelt root field is named as GraphQL names it, where it is.
    const typo = await gql(key, '{ actoins { id } }');
    expect([typo.status, typo.body.errors]).toEqual([
      400,
      [expect.objectContaining({ field: 'query', message: 'Cannot query field "actoins" on type "Query". Did you mean "actions"?', locations: [{ line: 1, column: 3 }] })],
    ]);
    expect(await remaining(key)).toBe(before);
  });

  it('refuses what the schema refuses before charging: 400 with the reason, even from an empty pool', async () => {
    const poor = await createInstance();
    await defineAndLoad(poor.orgKey, 'actions', [{ name: 'status', type: 'string' }], [{ id: 'p1', title: 'Only one', status: 'open' }]);
    expect((await call('PATCH', `/api/v1/operator/instances/${poor.instanceId}`, operator(), { dailyCredits: 1 })).status).toBe(200);
    await eventually(async () => expect(await remaining(poor.orgKey)).toBe(1));
    expect((await gql(poor.orgKey, '{ actions { id status } }')).status).toBe(200);

    // Each error says where in the document it is, as GraphQL errors do (`locations`), beside the field.
    const at = (column: number) => ({ locations: [{ line: 1, column }] });
    const refusals: [string, Record<string, unknown> | undefined, { field: string; message: string; locations?: unknown }[]][] = [
      ['{ actions { id stauts } }', undefined, [{ field: 'query', message: 'Cannot query field "stauts" on type "ActionsRecord". Did you mean "status"?', ...at(16) }]],
      ['{ actions(limit: "ten") { id } }', undefined, [{ field: 'query', message: 'Int cannot represent non-integer value: "ten"', ...at(18) }]],
      ['{ actions(limit: 5000) { id } }', undefined, [{ field: 'limit', message: 'limit must be between 1 and 1000', ...at(3) }]],
      ['query($n: Int) { actions(limit: $n) { id } }', { n: 0 }, [{ field: 'limit', message: 'limit must be between 1 and 1000', ...at(18) }]],
      ['query($n: Int) { actions(limit: $n) { id } }', { n: 'x' }, [{ field: 'query', message: 'Variable "$n" got invalid value "x"; Int cannot represent non-integer value: "x"', ...at(7) }]],
      ['{ actions(from: "2026-02-30") { id } }', undefined, [{ field: 'from', message: 'from must be a date YYYY-MM-DD', ...at(3) }]],
      ['{ actions(mine: true) { id } }', undefined, [{ field: 'query', message: 'Unknown argument "mine" on field "Query.actions".', ...at(11) }]],
      ['{ actions { id ', undefined, [{ field: 'query', message: 'Syntax Error: Expected Name, found <EOF>.', ...at(16) }]],
      // Refused before graphql-js's parser recurses into it, which would run out of stack.
      [
        `{ ${'actions { '.repeat(5_000)}id${' }'.repeat(5_001)}`,
        undefined,
        [{ field: 'query', message: 'the document is nested too deeply (at most 64 levels of braces, brackets and parentheses)', ...at(11 + 10 * 63) }],
      ],
      [
        `{ __type(name: "Query") { ...F0 } }${Array.from({ length: 2_000 }, (_, i) => ` fragment F${i} on __Type { ofType { ...F${i + 1} } }`).join('')} fragment F2000 on __Type { name }`,
        undefined,
        [{ field: 'query', message: 'the document is nested too deeply through its fragments (at most 64 levels of selections, each fragment counted where it is spread)', ...at(1) }],
      ],
      // Aliases multiply what every record holds: the answer would grow far beyond what a credit reads.
      [
        `{ many: actions(limit: 1000) { ${Array.from({ length: 101 }, (_, i) => `s${i}: status`).join(' ')} } }`,
        undefined,
        [{ field: 'query', message: 'a record may be asked for at most 100 fields (aliases and nested fields included); many asks for 101', ...at(3) }],
      ],
    ];
    for (const [query, variables, errors] of refusals) {
      const res = await gql(poor.orgKey, query, { variables });
      expect({ query, status: res.status, errors: res.body.errors }).toEqual({ query, status: 400, errors });
    }
    expect((await gql(poor.orgKey, '{ actions { id } }')).status).toBe(429);

    // A field defined through the gateway is in its schema at once, without waiting for its event.
    const fields = [{ name: 'status', type: 'string' }, { name: 'owner_team', type: 'string' }];
    expect((await as(poor.orgKey, 'POST', '/api/v1/entities', { name: 'actions', primaryKey: 'id', fields })).status).toBe(200);
    expect((await gql(poor.orgKey, '{ actions { owner_team } }')).status).toBe(429);
  });

  it('serves the playground page with everything it loads from this gateway, no CDN', async () => {
    const res = await api('GET', url('/graphql'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.text).toContain('GraphiQL');
    expect(res.text).not.toMatch(/https?:\/\//);
    const assets = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets).toEqual([
      'graphql/assets/graphiql.min.css',
      'graphql/assets/react.production.min.js',
      'graphql/assets/react-dom.production.min.js',
      'graphql/assets/graphiql.min.js',
    ]);
    for (const asset of assets) {
      const file = await fetch(url(`/${asset}`));
      expect([asset, file.status, file.headers.get('content-type')]).toEqual([
        asset,
        200,
        expect.stringMatching(asset.endsWith('.css') ? /^text\/css/ : /^(application|text)\/javascript/),
      ]);
      expect((await file.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
    // Only those files: the rest of the packages they come from is not served.
    expect((await fetch(url('/graphql/assets/package.json'))).status).toBe(404);
    expect((await fetch(url('/graphql/assets/../package.json'))).status).toBe(404);
  });

  it('runs a query from the playground in a real browser, with the key in its headers editor', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const unreachable: string[] = [];
      page.on('requestfailed', (request) => unreachable.push(request.url()));
      page.on('pageerror', (error) => unreachable.push(error.message));
      // What a user typed into the headers and query editors last time (GraphiQL keeps them there).
      // (Browser code as text: this file is type-checked for Node, without the DOM's names.)
      const stored = { 'graphiql:headers': JSON.stringify({ 'x-api-key': key }), 'graphiql:query': '{ actions(sort: alpha, order: asc, limit: 2) { id title } }' };
      await page.addInitScript({ content: `for (const [k, v] of Object.entries(${JSON.stringify(stored)})) localStorage.setItem(k, v);` });
      const before = await remaining(key);
      await page.goto(url('/graphql'));
      await page.click('.graphiql-execute-button');
      await page.waitForFunction(`document.querySelector('.graphiql-response')?.textContent?.includes('extensions')`);
      const shown = (await page.textContent('.graphiql-response'))!.replace(/[\s\u200b]+/g, '');
      expect(shown).toContain('"actions":[{"id":"a3","title":"answermail"},{"id":"a2","title":"Call\\"Bob\\",<now>"}]');
      expect(shown).toContain(`"extensions":{"cost":1,"remaining":${before - 1},"capped":["actions"]}`);
      expect(unreachable).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
