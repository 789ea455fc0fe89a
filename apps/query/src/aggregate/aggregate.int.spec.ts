import { principalOf, startQueryApp, type QueryApp } from '../testing/query-app.fixture';

describe('aggregates (query service, real PostgreSQL)', () => {
  let app: QueryApp;
  const org = principalOf('inst_agg');
  const aggregate = (body: unknown, principal = org) => app.call('POST', '/api/v1/entities/sales/aggregate', { principal, body });

  beforeAll(async () => {
    app = await startQueryApp();
    await app.call('POST', '/api/v1/entities', {
      principal: org,
      body: { name: 'sales', fields: [{ name: 'country', type: 'string' }, { name: 'quantity', type: 'number' }, { name: 'day', type: 'date' }] },
    });
    const rows = [
      { country: 'FR', quantity: 10, day: '2026-01-01' },
      { country: 'US', quantity: 2, day: '2026-01-02' },
      { country: 'UK', quantity: 1, day: '2026-01-03' },
      { country: 'US', quantity: 8, day: '2026-01-04' },
      { country: 'FR', quantity: 30, day: '2026-01-05' },
    ].map((r, i) => ({ id: `s${i}`, title: `sale ${i}`, ...r }));
    await app.call('POST', '/api/v1/entities/sales/batch', { principal: org, body: { operations: [{ action: 'insert', rows }] } });
  });
  afterAll(() => app.close());

  it('refuses a where value PostgreSQL cannot take (U+0000), naming the entry', async () => {
    for (const where of [{ name: 'country', op: '=', value: 'F\u0000' }, { name: 'country', op: 'in', value: ['FR', '\u0000'] }, { name: 'country', op: 'contains', value: '\u0000' }]) {
      const res = await aggregate({ select: [{ name: 'id', agg: 'count' }], where: [where] });
      expect([res.status, res.body.code, res.body.errors]).toEqual([400, 'validation_failed', [{ field: expect.stringMatching(/^where\.0\.value/), message: 'must not contain the NUL character (\\u0000)' }]]);
    }
  });

  it('groups, aggregates, filters and orders', async () => {
    const res = await aggregate({
      select: [{ name: 'country' }, { name: 'quantity', agg: 'sum' }, { name: 'quantity', agg: 'avg' }, { name: 'id', agg: 'count' }],
      group_by: ['country'],
      where: [{ name: 'quantity', op: '>', value: 1 }],
      order_by: [{ name: 'quantity_sum', direction: 'desc' }],
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'ok',
      columns: [
        { name: 'country', type: 'string' },
        { name: 'quantity_sum', type: 'number' },
        { name: 'quantity_avg', type: 'number' },
        { name: 'id_count', type: 'number' },
      ],
      rows: [['FR', 40, 20, 2], ['US', 10, 5, 2]],
      capped: false,
    });
  });

  it('takes an agg or a direction sent as null as one not sent', async () => {
    const res = await aggregate({
      select: [{ name: 'country', agg: null }, { name: 'quantity', agg: 'sum' }],
      group_by: ['country'],
      where: [{ name: 'quantity', op: '>', value: 1 }],
      order_by: [{ name: 'country', direction: null }],
    });
    expect([res.status, res.body.rows]).toEqual([200, [['FR', 40], ['US', 10]]]);
  });

  it('supports every operator with bound values, min/max/count_distinct, limit and capped', async () => {
    const one = async (where: unknown) =>
      (await aggregate({ select: [{ name: 'id', agg: 'count' }], where: [where] })).body.rows[0][0];
    expect(await one({ name: 'country', op: '=', value: 'US' })).toBe(2);
    expect(await one({ name: 'country', op: '!=', value: 'US' })).toBe(3);
    expect(await one({ name: 'quantity', op: '>=', value: 8 })).toBe(3);
    expect(await one({ name: 'quantity', op: '<', value: 8 })).toBe(2);
    expect(await one({ name: 'quantity', op: '<=', value: 8 })).toBe(3);
    expect(await one({ name: 'day', op: '>', value: '2026-01-03' })).toBe(2);
    expect(await one({ name: 'country', op: 'in', value: ['FR', 'UK'] })).toBe(3);
    // A filter built from a selection of nothing matches nothing.
    expect(await one({ name: 'country', op: 'in', value: [] })).toBe(0);
    expect(await one({ name: 'title', op: 'contains', value: "1'; DROP TABLE records; --" })).toBe(0);
    expect(await one({ name: 'title', op: 'contains', value: 'sale 1' })).toBe(1);
    const stats = await aggregate({
      select: [{ name: 'quantity', agg: 'min' }, { name: 'quantity', agg: 'max' }, { name: 'country', agg: 'count_distinct' }, { name: 'day', agg: 'max' }],
    });
    expect(stats.body.rows).toEqual([[1, 30, 3, '2026-01-05']]);
    const capped = await aggregate({ select: [{ name: 'id' }, { name: 'quantity' }], order_by: [{ name: 'quantity' }], limit: 2 });
    expect(capped.body).toMatchObject({ rows: [['s2', 1], ['s1', 2]], capped: true });
  });

  it('sums and averages decimals exactly, as a spreadsheet would', async () => {
    await app.call('POST', '/api/v1/entities', { principal: org, body: { name: 'payments', fields: [{ name: 'amount', type: 'number' }] } });
    const amounts = [...Array(10).fill(0.1), 0.2, 19.99, 5.01, 1.1];
    const rows = amounts.map((amount, i) => ({ id: `p${i}`, amount }));
    await app.call('POST', '/api/v1/entities/payments/batch', { principal: org, body: { operations: [{ action: 'insert', rows }] } });
    const sums = async (ids: string[]) =>
      (
        await app.call('POST', '/api/v1/entities/payments/aggregate', {
          principal: org,
          body: { select: [{ name: 'amount', agg: 'sum' }, { name: 'amount', agg: 'avg' }], where: [{ name: 'id', op: 'in', value: ids }] },
        })
      ).body.rows[0];
    expect(await sums(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9'])).toEqual([1, 0.1]);
    expect(await sums(['p0', 'p10'])).toEqual([0.3, 0.15]);
    expect(await sums(['p11', 'p12', 'p13'])).toEqual([26.1, 8.7]);
  });

  it('averages numbers at the edge of the range, and refuses a sum beyond it without an internal error', async () => {
    await app.call('POST', '/api/v1/entities', { principal: org, body: { name: 'extremes', fields: [{ name: 'value', type: 'number' }] } });
    const rows = [1e308, 1e308, -5].map((value, i) => ({ id: `e${i}`, value }));
    await app.call('POST', '/api/v1/entities/extremes/batch', { principal: org, body: { operations: [{ action: 'insert', rows }] } });
    const ask = (select: unknown) => app.call('POST', '/api/v1/entities/extremes/aggregate', { principal: org, body: { select } });
    expect((await ask([{ name: 'value', agg: 'avg' }, { name: 'value', agg: 'max' }])).body.rows).toEqual([[6.666666666666666e307, 1e308]]);
    const tooBig = await ask([{ name: 'value', agg: 'sum' }]);
    expect([tooBig.status, tooBig.body.code, tooBig.body.errors]).toEqual([400, 'validation_failed', [{ field: 'select', message: expect.stringContaining('beyond the range of a number') }]]);
  });

  it('counts and groups a json field set to null as a null, like a field never set', async () => {
    await app.call('POST', '/api/v1/entities', { principal: org, body: { name: 'profiles', fields: [{ name: 'prefs', type: 'json' }, { name: 'nick', type: 'string' }] } });
    const rows = [{ id: 'p1', prefs: null, nick: null }, { id: 'p2' }, { id: 'p3', prefs: { dark: true }, nick: 'x' }];
    await app.call('POST', '/api/v1/entities/profiles/batch', { principal: org, body: { operations: [{ action: 'insert', rows }] } });
    const ask = (body: unknown) => app.call('POST', '/api/v1/entities/profiles/aggregate', { principal: org, body });
    const counts = await ask({ select: [{ name: 'prefs', agg: 'count' }, { name: 'prefs', agg: 'count_distinct' }, { name: 'nick', agg: 'count' }] });
    expect(counts.body.rows).toEqual([[1, 1, 1]]);
    const groups = await ask({ select: [{ name: 'prefs' }, { name: 'id', agg: 'count' }], group_by: ['prefs'], order_by: [{ name: 'id_count', direction: 'desc' }] });
    expect(groups.body.rows).toEqual([[null, 2], [{ dark: true }, 1]]);
  });

  it('finds the records without a value with = null, and those with one with != null, for a field of any type', async () => {
    const ask = (where: unknown[]) =>
      app.call('POST', '/api/v1/entities/profiles/aggregate', { principal: org, body: { select: [{ name: 'id', agg: 'count' }], where } });
    const counts = [];
    for (const where of [
      [{ name: 'nick', op: '=', value: null }],
      [{ name: 'nick', op: '!=', value: null }],
      [{ name: 'prefs', op: '=', value: null }],
      [{ name: 'prefs', op: '!=', value: null }, { name: 'nick', op: '=', value: 'x' }],
    ]) {
      const res = await ask(where);
      counts.push([res.status, res.body.rows]);
    }
    expect(counts).toEqual([[200, [[2]]], [200, [[1]]], [200, [[2]]], [200, [[1]]]]);
    const ordered = await ask([{ name: 'nick', op: '>', value: null }]);
    expect([ordered.status, ordered.body.errors]).toEqual([400, [{ field: 'where.0.value', message: 'null goes only with = and !=' }]]);
    const missing = await ask([{ name: 'nick', op: '=' }]);
    expect([missing.status, missing.body.errors]).toEqual([400, [{ field: 'where.0.value', message: 'value is required' }]]);
  });

  it('answers groups in the order of their group_by fields unless order_by says otherwise, so a limit keeps the first ones', async () => {
    await app.call('POST', '/api/v1/entities', { principal: org, body: { name: 'readings', fields: [{ name: 'sensor', type: 'number' }, { name: 'site', type: 'string' }] } });
    // Sensors written in a scrambled order, two readings each, at two sites.
    const rows = Array.from({ length: 1000 }, (_, i) => ({ id: `r${i}`, sensor: (i * 7919) % 500, site: i % 2 ? 'north' : 'south' }));
    await app.call('POST', '/api/v1/entities/readings/batch', { principal: org, body: { operations: [{ action: 'insert', rows }] } });
    const ask = (body: object) => app.call('POST', '/api/v1/entities/readings/aggregate', { principal: org, body: { select: [{ name: 'sensor' }, { name: 'id', agg: 'count' }], group_by: ['sensor'], ...body } });
    const first = await ask({ limit: 4 });
    expect([first.status, first.body.rows, first.body.capped]).toEqual([200, [[0, 2], [1, 2], [2, 2], [3, 2]], true]);
    // Ties of order_by are broken by the groups too.
    const byCount = await ask({ order_by: [{ name: 'id_count', direction: 'desc' }], limit: 3 });
    expect(byCount.body.rows).toEqual([[0, 2], [1, 2], [2, 2]]);
  });

  it('answers at most 20,000 rows, capped, whatever the limit asked', async () => {
    await app.call('POST', '/api/v1/entities', { principal: org, body: { name: 'ticks', fields: [{ name: 'n', type: 'number' }] } });
    const rows = Array.from({ length: 20_001 }, (_, i) => ({ id: `t${i}`, n: i }));
    expect((await app.call('POST', '/api/v1/entities/ticks/batch', { principal: org, body: { operations: [{ action: 'insert', rows }] } })).status).toBe(200);
    const ask = (body: object) => app.call('POST', '/api/v1/entities/ticks/aggregate', { principal: org, body: { select: [{ name: 'n' }], order_by: [{ name: 'n' }], ...body } });
    for (const limit of [undefined, 20_000, 50_000]) {
      const res = await ask({ limit });
      expect([limit, res.status, res.body.rows.length, res.body.rows.at(-1), res.body.capped]).toEqual([limit, 200, 20_000, [19_999], true]);
    }
    const all = await ask({ where: [{ name: 'n', op: '>=', value: 1 }], limit: 50_000 });
    expect([all.body.rows.length, all.body.capped]).toEqual([20_000, false]);
  });

  it('answers plain rows newest first unless order_by says otherwise, as a records query does, so a limit keeps the newest', async () => {
    await app.call('POST', '/api/v1/entities', { principal: org, body: { name: 'visits', fields: [{ name: 'page', type: 'string' }] } });
    // Written oldest first, as a table scan would read them back.
    const rows = Array.from({ length: 300 }, (_, i) => ({ id: `v${i}`, page: i % 2 ? 'home' : 'shop', createdAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() }));
    await app.call('POST', '/api/v1/entities/visits/batch', { principal: org, body: { operations: [{ action: 'insert', rows }] } });
    const ask = (body: object) => app.call('POST', '/api/v1/entities/visits/aggregate', { principal: org, body: { select: [{ name: 'id' }, { name: 'page' }], ...body } });
    expect((await ask({ limit: 3 })).body.rows).toEqual([['v299', 'home'], ['v298', 'shop'], ['v297', 'home']]);
    // Ties of order_by too.
    expect((await ask({ order_by: [{ name: 'page' }], limit: 2 })).body.rows).toEqual([['v299', 'home'], ['v297', 'home']]);
  });

  it('answers only the columns with only_headers', async () => {
    const res = await aggregate({ select: [{ name: 'country' }, { name: 'createdAt' }], only_headers: true });
    expect(res.body).toEqual({ status: 'ok', columns: [{ name: 'country', type: 'string' }, { name: 'createdAt', type: 'datetime' }] });
  });

  it('refuses identifiers that are not fields and values of the wrong type', async () => {
    for (const body of [
      { select: [{ name: 'country; DROP TABLE records' }] },
      { select: [{ name: 'country' }], group_by: ['nope'] },
      { select: [{ name: 'country' }, { name: 'quantity', agg: 'sum' }] },
      { select: [{ name: 'country', agg: 'sum' }] },
      { select: [{ name: 'country' }], where: [{ name: 'quantity', op: '>', value: 'ten' }] },
      { select: [{ name: 'country' }], order_by: [{ name: 'quantity' }] },
      { select: [{ name: 'country' }], limit: 0 },
    ]) {
      const res = await aggregate(body);
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
    }
    const dataKey = principalOf('inst_agg', { kind: 'data', scopes: ['query'], entities: ['other'] });
    expect((await aggregate({ select: [{ name: 'country' }] }, dataKey)).status).toBe(403);
    expect((await app.call('POST', '/api/v1/entities/ghost/aggregate', { principal: org, body: { select: [{ name: 'id' }] } })).status).toBe(404);
  });
});
