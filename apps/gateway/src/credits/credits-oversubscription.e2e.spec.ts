import { eventually } from '@tollgate/testing';
import { call, createInstance, operator, type TestInstance } from '../identity/identity-e2e.fixture';
import { as, defineAndLoad, remaining } from '../query/query-e2e.fixture';

jest.setTimeout(90_000);

describe('credit pool under 3x oversubscription through GET /api/v1/query', () => {
  let t: TestInstance;

  beforeAll(async () => {
    t = await createInstance();
    await defineAndLoad(t.orgKey, 'actions', [{ name: 'status', type: 'string' }], [{ id: 'a1', title: 'Review', status: 'open' }]);
    const plan = await call('PATCH', `/api/v1/operator/instances/${t.instanceId}`, operator(), { dailyCredits: 40 });
    expect(plan.status).toBe(200);
  });

  it('serves exactly the allowance, refuses the rest with 429 and Retry-After, and ends at 0', async () => {
    expect(await remaining(t.orgKey)).toBe(40);
    const answers = await Promise.all(Array.from({ length: 120 }, () => as(t.orgKey, 'GET', '/api/v1/query?entities=actions')));

    const served = answers.filter((a) => a.status === 200);
    expect(served).toHaveLength(40);
    for (const a of served) expect(a.headers.get('x-credits-cost')).toBe('1');
    const left = served.map((a) => Number(a.headers.get('x-credits-remaining'))).sort((x, y) => x - y);
    expect(left).toEqual(Array.from({ length: 40 }, (_, i) => i));

    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(80);
    for (const a of refused) {
      expect(a.body.code).toBe('credits_exhausted');
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThan(0);
      expect([a.headers.get('x-credits-cost'), a.headers.get('x-credits-remaining')]).toEqual(['0', '0']);
    }
    expect(await remaining(t.orgKey)).toBe(0);

    await eventually(async () => {
      const audit = await call('GET', `/api/v1/operator/instances/${t.instanceId}/credits/audit`, operator());
      expect(audit.body).toMatchObject({ consumed: 40, refunded: 0, remaining: 0, balanced: true });
    });
    const usage = await as(t.orgKey, 'GET', '/api/v1/credits/usage?groupBy=entity');
    expect(usage.body.usage).toEqual([{ entity: 'actions', credits: 40, requests: 40 }]);
  });
});
