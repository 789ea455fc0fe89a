import { principalOf, startQueryApp, type QueryApp } from '../testing/query-app.fixture';

describe('GraphQL (query service, real PostgreSQL)', () => {
  let app: QueryApp;
  const org = principalOf('inst_gql');
  const graphql = (body: unknown) => app.call('POST', '/api/v1/graphql', { principal: org, body });

  beforeAll(async () => {
    app = await startQueryApp();
    await app.call('POST', '/api/v1/entities', { principal: org, body: { name: 'items', fields: [{ name: 'rank', type: 'number' }] } });
    const rows = Array.from({ length: 120 }, (_, i) => ({ id: `i${String(i).padStart(3, '0')}`, rank: i }));
    await app.call('POST', '/api/v1/entities/items/batch', { principal: org, body: { operations: [{ action: 'insert', rows }] } });
  });
  afterAll(() => app.close());

  it('reads the default number of records for a limit given as null, as for any argument left null', async () => {
    const query = 'query($limit: Int, $sort: Sort) { items(limit: $limit, sort: $sort) { id } }';
    for (const variables of [{ limit: null }, { limit: null, sort: null }, {}]) {
      const res = await graphql({ query, variables });
      expect([JSON.stringify(variables), res.status, res.body.data?.items.length]).toEqual([JSON.stringify(variables), 200, 100]);
    }
    const literal = await graphql({ query: '{ items(limit: null) { id } }' });
    expect([literal.status, literal.body.data?.items.length]).toEqual([200, 100]);
  });
});
