import { scrapeMetrics } from '@tollgate/testing';
import { startCreditsApp, systemFor, uniqueInstance, type CreditsTestApp } from '../testing/credits-app.fixture';

jest.setTimeout(60_000);

describe('credit metrics (real PostgreSQL and Kafka)', () => {
  let credits: CreditsTestApp;

  beforeAll(async () => {
    credits = await startCreditsApp();
  });
  afterAll(async () => {
    await credits?.close();
  });

  const scrape = async () => {
    const value = await scrapeMetrics(credits.url);
    return {
      charged: value('tollgate_credits_debits_total{outcome="charged"}'),
      duplicate: value('tollgate_credits_debits_total{outcome="duplicate"}'),
      exhausted: value('tollgate_credits_debits_total{outcome="exhausted"}'),
      creditsCharged: value('tollgate_credits_charged_total'),
      refunds: value('tollgate_credits_refunds_total'),
      creditsRefunded: value('tollgate_credits_refunded_total'),
    };
  };

  it('counts debits by outcome, the credits they took, and the refunds that gave credits back', async () => {
    const id = uniqueInstance();
    const system = systemFor(id);
    await credits.call('PUT', `/accounts/${id}`, system, { dailyCredits: 5, timezone: 'UTC' });
    const before = await scrape();

    expect((await credits.call('POST', '/debits', system, { requestId: 'r1', cost: 3, entities: ['a', 'b', 'c'] })).status).toBe(200);
    expect((await credits.call('POST', '/debits', system, { requestId: 'r1', cost: 3, entities: ['a', 'b', 'c'] })).status).toBe(200);
    expect((await credits.call('POST', '/debits', system, { requestId: 'r2', cost: 4, entities: ['a', 'b', 'c', 'd'] })).status).toBe(429);
    expect((await credits.call('POST', '/debits/batch', system, { debits: [{ requestId: 'r3', cost: 1, entities: ['a'] }] })).status).toBe(200);
    expect((await credits.call('POST', '/refunds', system, { requestId: 'r1' })).body).toMatchObject({ refunded: true });
    expect((await credits.call('POST', '/refunds', system, { requestId: 'r1' })).body).toMatchObject({ refunded: false });

    const after = await scrape();
    expect({
      charged: after.charged - before.charged,
      duplicate: after.duplicate - before.duplicate,
      exhausted: after.exhausted - before.exhausted,
      creditsCharged: after.creditsCharged - before.creditsCharged,
      refunds: after.refunds - before.refunds,
      creditsRefunded: after.creditsRefunded - before.creditsRefunded,
    }).toEqual({ charged: 2, duplicate: 1, exhausted: 1, creditsCharged: 4, refunds: 1, creditsRefunded: 3 });
  });
});
