import { api } from '@tollgate/testing';
import { createInstance, url, type TestInstance } from './identity/identity-e2e.fixture';
import { as, defineAndLoad } from './query/query-e2e.fixture';
import { SMALL_BODY_LIMIT_BYTES } from './body-limits';

jest.setTimeout(60_000);

describe('body limits by route (e2e)', () => {
  let t: TestInstance;
  beforeAll(async () => {
    t = await createInstance();
    await defineAndLoad(t.orgKey, 'notes', [], []);
  });

  it('refuses a body over a megabyte where only small ones belong, before anyone is authenticated', async () => {
    const flood = JSON.stringify(Array.from({ length: 400_000 }, () => ({}))); // about 1.6 MB of [{},{},…]
    for (const path of ['/api/v1/auth/login', '/api/v1/keys', '/graphql']) {
      const res = await api<any>('POST', url(path), { headers: { 'content-type': 'application/json' }, rawBody: flood });
      expect([path, res.status, res.body.code, res.body.message]).toEqual([path, 413, 'payload_too_large', `The body is larger than ${SMALL_BODY_LIMIT_BYTES} bytes`]);
    }
  });

  it('takes the large bodies that carry data: a batch of records', async () => {
    const rows = Array.from({ length: 12_000 }, (_, i) => ({ id: `n${i}`, title: `Note ${i} ${'x'.repeat(100)}` }));
    const body = { operations: [{ action: 'insert', rows }] };
    expect(JSON.stringify(body).length).toBeGreaterThan(SMALL_BODY_LIMIT_BYTES);
    const res = await as(t.orgKey, 'POST', '/api/v1/entities/notes/batch', body);
    expect([res.status, res.body.inserted]).toEqual([200, 12_000]);
  });
});
