import { Client } from 'pg';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import { principalOf, startQueryApp, type QueryApp } from '../testing/query-app.fixture';

/** Names the statements use for tables, aliases and columns; a field may be called any of them. */
const SQL_NAMES = ['o', 'r', 't', 'x', 'records', 'fields', 'created_at', 'updated_at', 'instance_id', 'entity_counts', 'responsible_users', 'lateral', 'select'];

describe('entities whose fields are named like the SQL around them (query service, real PostgreSQL)', () => {
  let app: QueryApp;
  const org = principalOf('inst_names');
  const row = Object.fromEntries(SQL_NAMES.map((name, i) => [name, `v${i}`]));

  beforeAll(async () => {
    app = await startQueryApp();
    const fields = SQL_NAMES.map((name) => ({ name, type: 'string' }));
    expect((await app.call('POST', '/api/v1/entities', { principal: org, body: { name: 'odd', primaryKey: 'id', fields } })).status).toBe(201);
    const batch = await app.call('POST', '/api/v1/entities/odd/batch', {
      principal: org,
      body: { operations: [{ action: 'insert', rows: [{ id: 'k1', title: 'first', ...row }] }, { action: 'insertOrUpdate', rows: [{ id: 'k1', o: 'again' }] }] },
    });
    expect(batch.status).toBe(200);
  });
  afterAll(() => app?.close());

  const expected = { ...row, o: 'again' };

  it('reads them in every format, small and streamed', async () => {
    for (const limit of ['&limit=10', '']) {
      const json = await app.call('GET', `/api/v1/query?entities=odd${limit}`, { principal: org });
      expect(json.status).toBe(200);
      expect(json.body.data.odd).toEqual([expect.objectContaining({ id: 'k1', title: 'first', ...expected })]);

      const csv = await app.call('GET', `/api/v1/entities/odd.csv?display=id,${SQL_NAMES.join(',')}${limit}`, { principal: org });
      expect(csv.status).toBe(200);
      expect(parseCsv(csv.body as string, { columns: true })).toEqual([{ id: 'k1', ...expected }]);

      const xml = await app.call('GET', `/api/v1/entities/odd.xml?display=${SQL_NAMES.join(',')}${limit}`, { principal: org });
      expect(xml.status).toBe(200);
      expect(new XMLParser().parse(xml.body as string).response.data.odd.record).toEqual(expected);
    }
  });

  it('reads them through GraphQL and aggregates', async () => {
    const gql = await app.call('POST', '/api/v1/graphql', { principal: org, body: { query: `{ odd { id ${SQL_NAMES.join(' ')} } }` } });
    expect(gql.status).toBe(200);
    expect(gql.body.data.odd).toEqual([{ id: 'k1', ...expected }]);

    const agg = await app.call('POST', '/api/v1/entities/odd/aggregate', {
      principal: org,
      body: { select: [{ name: 'o' }, { name: 'records', agg: 'count' }], group_by: ['o'], where: [{ name: 'lateral', op: '=', value: row.lateral }] },
    });
    expect(agg.status).toBe(200);
    expect(agg.body.rows).toEqual([['again', 1]]);
  });

  it('answers a database fault inside GraphQL as an internal error, without its SQL', async () => {
    const admin = new Client({ connectionString: app.db.url });
    await admin.connect();
    try {
      await admin.query('ALTER TABLE records RENAME COLUMN fields TO fields_elsewhere');
      const res = await app.call('POST', '/api/v1/graphql', { principal: org, body: { query: '{ odd { id o } }' } });
      expect(res.status).toBe(500);
      expect(res.body).toEqual(expect.objectContaining({ status: 'error', code: 'internal_error', message: 'Internal error' }));
      expect(JSON.stringify(res.body)).not.toMatch(/fields|column|records/);
    } finally {
      await admin.query('ALTER TABLE records RENAME COLUMN fields_elsewhere TO fields');
      await admin.end();
    }
  });
});
