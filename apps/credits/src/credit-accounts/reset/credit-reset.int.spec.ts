import { MAX_DAILY_CREDITS, TOPICS, type EventEnvelope } from '@tollgate/contracts';
import { collectMessages, eventually, testBrokers } from '@tollgate/testing';
import { startCreditsApp, systemFor, TestClock, uniqueInstance, type CreditsTestApp } from '../../testing/credits-app.fixture';

jest.setTimeout(60_000);

describe('daily reset at local midnight (injected clock, real PostgreSQL and Kafka)', () => {
  let credits: CreditsTestApp;
  let collector: Awaited<ReturnType<typeof collectMessages>>;

  beforeAll(async () => {
    collector = await collectMessages(testBrokers(), [TOPICS.credits]);
    credits = await startCreditsApp({ clock: new TestClock(new Date('2026-03-28T20:00:00Z')) });
  });
  afterAll(async () => {
    await credits?.close();
    await collector?.stop();
  });

  it('refills the pool at midnight in the instance timezone across the spring-forward night', async () => {
    const id = uniqueInstance();
    const as = systemFor(id);
    await credits.call('PUT', `/accounts/${id}`, as, { dailyCredits: 10, timezone: 'Europe/Paris' });
    await credits.call('POST', '/debits', as, { requestId: 'r1', cost: 4, entities: ['actions'] });
    expect((await credits.call('GET', '/balance', as)).body).toMatchObject({
      dailyAllowance: 10,
      remaining: 6,
      resetsAt: '2026-03-28T23:00:00.000Z',
      timezone: 'Europe/Paris',
    });

    credits.clock.set('2026-03-28T22:59:59Z');
    await credits.resetDue();
    expect((await credits.call('GET', '/balance', as)).body.remaining).toBe(6);

    credits.clock.set('2026-03-28T23:00:00Z');
    expect(await credits.resetDue()).toBeGreaterThanOrEqual(1);
    expect((await credits.call('GET', '/balance', as)).body).toMatchObject({ remaining: 10, resetsAt: '2026-03-29T22:00:00.000Z' });

    // The 29th lasts 23 hours: a debit just before its midnight spends today's pool, the read after sees tomorrow's.
    credits.clock.set('2026-03-29T21:59:00Z');
    expect((await credits.call('POST', '/debits', as, { requestId: 'r2', cost: 1, entities: ['actions'] })).body).toEqual({
      cost: 1,
      remaining: 9,
    });
    credits.clock.set('2026-03-29T22:00:00Z');
    expect((await credits.call('GET', '/balance', as)).body).toMatchObject({ remaining: 10, resetsAt: '2026-03-30T22:00:00.000Z' });

    await eventually(() => {
      const resets = collector.messages
        .map((m) => JSON.parse(m.value) as EventEnvelope)
        .filter((e) => e.instanceId === id && e.type === 'CreditsReset');
      expect(resets.map((e) => e.data)).toEqual([
        { day: '2026-03-29', allowance: 10, remaining: 10 },
        { day: '2026-03-30', allowance: 10, remaining: 10 },
      ]);
    });
    const audit = async (day: string) => (await credits.call('GET', `/accounts/${id}/audit?day=${day}`, as)).body;
    expect(await audit('2026-03-28')).toMatchObject({ allowance: 10, consumed: 4, remaining: 6, balanced: true });
    expect(await audit('2026-03-29')).toMatchObject({ allowance: 10, consumed: 1, remaining: 9, balanced: true });
  });

  it('resets the other pools when one instance cannot be reset, even one due before them', async () => {
    const [broken, fine] = [uniqueInstance(), uniqueInstance()];
    credits.clock.set('2026-05-01T10:00:00Z');
    await credits.call('PUT', `/accounts/${broken}`, systemFor(broken), { dailyCredits: 10, timezone: 'Asia/Tokyo' }); // due at 15:00Z
    await credits.call('PUT', `/accounts/${fine}`, systemFor(fine), { dailyCredits: 10, timezone: 'Europe/Paris' }); // due at 22:00Z
    // A zone this runtime no longer knows (say, after an upgrade): every reset of that account fails.
    await credits.db.dataSource.query(`UPDATE credit_accounts SET timezone = 'Gone/Zone' WHERE instance_id = $1`, [broken]);
    const resetsAt = async (id: string) =>
      ((await credits.db.dataSource.query(`SELECT resets_at FROM credit_accounts WHERE instance_id = $1`, [id])) as { resets_at: Date }[])[0].resets_at.toISOString();

    credits.clock.set('2026-05-01T22:00:00Z');
    expect(await credits.resetDue()).toBeGreaterThanOrEqual(1);
    expect(await resetsAt(fine)).toBe('2026-05-02T22:00:00.000Z');
    expect(await resetsAt(broken)).toBe('2026-05-01T15:00:00.000Z');
  });

  it('closes an id refunded before the plan exists, and still starts the plan on its own local day', async () => {
    const id = uniqueInstance();
    const as = systemFor(id);
    credits.clock.set('2026-03-02T03:00:00Z'); // still the 1st in Los Angeles
    expect((await credits.call('POST', '/refunds', as, { requestId: 'early', final: true })).body).toMatchObject({ refunded: false });
    const created = await credits.call('PUT', `/accounts/${id}`, as, { dailyCredits: 10, timezone: 'America/Los_Angeles' });
    expect(created.body).toMatchObject({ remaining: 10, resetsAt: '2026-03-02T08:00:00.000Z' });
    // The debit that refund closed, arriving only now, charges nothing.
    const late = await credits.call('POST', '/debits', as, { requestId: 'early', cost: 2, entities: ['actions'] });
    expect([late.status, late.body.message, (await credits.call('GET', '/balance', as)).body.remaining]).toEqual([409, expect.stringContaining('voided'), 10]);
  });

  it('refunds a charge of the day before after midnight: its day no longer counts it, today keeps its pool, both days balance', async () => {
    const id = uniqueInstance();
    const as = systemFor(id);
    credits.clock.set('2026-04-10T21:59:50Z'); // 23:59:50 in Paris
    await credits.call('PUT', `/accounts/${id}`, as, { dailyCredits: 10, timezone: 'Europe/Paris' });
    await credits.call('POST', '/debits', as, { requestId: 'late', cost: 4, entities: ['actions'] });
    await credits.call('POST', '/debits', as, { requestId: 'kept', cost: 1, entities: ['actions'] });
    // The request failed after midnight (a 25 s time limit, say): the gateway asks for its refund.
    credits.clock.set('2026-04-10T22:00:15Z');
    expect((await credits.call('POST', '/refunds', as, { requestId: 'late', final: true })).body).toMatchObject({ refunded: true });
    await credits.call('POST', '/debits', as, { requestId: 'today', cost: 2, entities: ['actions'] });
    expect((await credits.call('GET', '/balance', as)).body).toMatchObject({ remaining: 8 });
    const usage = (await credits.call('GET', '/usage?from=2026-04-10&to=2026-04-11', as)).body;
    expect(usage.total).toEqual({ credits: 3, requests: 2 });
    const audit = async (day: string) => (await credits.call('GET', `/accounts/${id}/audit?day=${day}`, as)).body;
    expect(await audit('2026-04-10')).toMatchObject({ consumed: 5, ledgerNet: 1, balanced: true });
    expect(await audit('2026-04-11')).toMatchObject({ consumed: 2, remaining: 8, ledgerNet: 2, balanced: true });
  });

  it('gives every pool a day of its own when the timezone moves behind the pool, and counts today in usage', async () => {
    const id = uniqueInstance();
    const as = systemFor(id);
    // 00:30 on the 27th in Kiritimati (UTC+14); 22:30 on the 26th in Fiji (UTC+12).
    credits.clock.set('2026-11-26T10:30:00Z');
    await credits.call('PUT', `/accounts/${id}`, as, { dailyCredits: 10, timezone: 'Pacific/Kiritimati' });
    await credits.call('POST', '/debits', as, { requestId: 'k1', cost: 3, entities: ['actions'] });
    await credits.call('PUT', `/accounts/${id}`, as, { dailyCredits: 10, timezone: 'Pacific/Fiji' });
    await credits.call('POST', '/debits', as, { requestId: 'f1', cost: 1, entities: ['actions'] });
    expect((await credits.call('GET', '/usage', as)).body).toMatchObject({ to: '2026-11-27', total: { credits: 4, requests: 2 } });

    // Fiji's midnight into the 27th: the 27th already has its pool, which lasts until the 27th ends there.
    credits.clock.set('2026-11-26T12:00:00Z');
    await credits.resetDue();
    expect((await credits.call('GET', '/balance', as)).body).toMatchObject({ remaining: 6, resetsAt: '2026-11-27T12:00:00.000Z' });
    credits.clock.set('2026-11-27T12:00:00Z');
    expect(await credits.resetDue()).toBeGreaterThanOrEqual(1);
    await credits.call('POST', '/debits', as, { requestId: 'f2', cost: 2, entities: ['actions'] });

    await eventually(() => {
      const resets = collector.messages
        .map((m) => JSON.parse(m.value) as EventEnvelope)
        .filter((e) => e.instanceId === id && e.type === 'CreditsReset');
      expect(resets.map((e) => e.data)).toEqual([{ day: '2026-11-28', allowance: 10, remaining: 10 }]);
    });
    const audit = async (day = '') => (await credits.call('GET', `/accounts/${id}/audit${day && `?day=${day}`}`, as)).body;
    expect(await audit('2026-11-27')).toMatchObject({ consumed: 4, remaining: 6, balanced: true });
    expect(await audit()).toMatchObject({ day: '2026-11-28', consumed: 2, remaining: 8, balanced: true });
  });

  it('answers Retry-After with the seconds left until the local midnight', async () => {
    const id = uniqueInstance();
    const as = systemFor(id);
    credits.clock.set('2026-06-15T21:30:00Z');
    await credits.call('PUT', `/accounts/${id}`, as, { dailyCredits: 1, timezone: 'Europe/Paris' });
    await credits.call('POST', '/debits', as, { requestId: 'a', cost: 1, entities: ['actions'] });
    const refused = await credits.call('POST', '/debits', as, { requestId: 'b', cost: 1, entities: ['actions'] });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1800');
  });

  it('takes the largest allowance an instance may have, and sums usage past 2^31 credits over several days', async () => {
    const id = uniqueInstance();
    const as = systemFor(id);
    credits.clock.set('2026-05-10T12:00:00Z');
    const planned = await credits.call('PUT', `/accounts/${id}`, as, { dailyCredits: MAX_DAILY_CREDITS, timezone: 'UTC' });
    expect([planned.status, planned.body.dailyAllowance]).toEqual([200, MAX_DAILY_CREDITS]);
    const spend = (day: string, count: number) =>
      credits.call('POST', '/debits/batch', as, { debits: Array.from({ length: count }, (_, i) => ({ requestId: `${day}-${i}`, cost: 1_000_000, entities: ['actions'] })) });
    expect((await spend('d1', 2000)).status).toBe(200);
    credits.clock.set('2026-05-11T00:00:00Z');
    await credits.resetDue();
    expect((await spend('d2', 500)).status).toBe(200);
    expect((await credits.call('GET', '/balance', as)).body.remaining).toBe(MAX_DAILY_CREDITS - 500_000_000);

    const usage = await credits.call('GET', '/usage?from=2026-05-10&to=2026-05-11', as);
    expect([usage.status, usage.body.total, usage.body.usage]).toEqual([
      200,
      { credits: 2_500_000_000, requests: 2500 },
      [
        { day: '2026-05-10', credits: 2_000_000_000, requests: 2000 },
        { day: '2026-05-11', credits: 500_000_000, requests: 500 },
      ],
    ]);
    const byEntity = await credits.call('GET', '/usage?from=2026-05-10&to=2026-05-11&groupBy=entity', as);
    expect(byEntity.body.usage).toEqual([{ entity: 'actions', credits: 2500, requests: 2500 }]);
  });
});
