import { randomUUID } from 'node:crypto';
import { TOPICS, type EventEnvelope } from '@tollgate/contracts';
import { rebuildProjections } from '@tollgate/event-sourcing';
import { collectMessages, eventually, testBrokers } from '@tollgate/testing';
import { CreditLedgerProjection } from './credit-ledger.projection';
import { startCreditsApp, systemFor, uniqueInstance, type CreditsTestApp } from '../testing/credits-app.fixture';

jest.setTimeout(60_000);

describe('credit pool (real PostgreSQL and Kafka)', () => {
  let credits: CreditsTestApp;
  let collector: Awaited<ReturnType<typeof collectMessages>>;

  beforeAll(async () => {
    collector = await collectMessages(testBrokers(), [TOPICS.credits]);
    credits = await startCreditsApp();
  });
  afterAll(async () => {
    await credits?.close();
    await collector?.stop();
  });

  const plan = (instanceId: string, dailyCredits: number, timezone = 'Europe/Paris') =>
    credits.call('PUT', `/accounts/${instanceId}`, systemFor(instanceId), { dailyCredits, timezone });
  const debit = (instanceId: string, requestId: string, cost = 1, extra: object = {}) =>
    credits.call('POST', '/debits', systemFor(instanceId), { requestId, cost, entities: ['actions'], ...extra });
  const balance = async (instanceId: string) => (await credits.call('GET', '/balance', systemFor(instanceId))).body;
  const eventsOf = (instanceId: string) =>
    collector.messages.map((m) => JSON.parse(m.value) as EventEnvelope).filter((e) => e.instanceId === instanceId);

  it('creates a plan and shows it at once (read-your-writes)', async () => {
    const id = uniqueInstance();
    const created = await plan(id, 100, 'Europe/Paris');
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ dailyAllowance: 100, remaining: 100, timezone: 'Europe/Paris' });
    expect(await balance(id)).toEqual(created.body);
    expect(created.body.version).toBe(1);
  });

  it('refuses an unknown timezone or a negative allowance, changing nothing', async () => {
    const id = uniqueInstance();
    const bad = await plan(id, 10, 'Mars/Olympus');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'timezone', message: expect.stringContaining('Mars/Olympus') }]);
    expect((await plan(id, -1)).status).toBe(400);
    expect(await balance(id)).toMatchObject({ dailyAllowance: 0, remaining: 0 });
  });

  it('follows the newest plan version whatever order the changes arrive in; an unversioned change still applies', async () => {
    const id = uniqueInstance();
    const put = (dailyCredits: number, planVersion?: number) =>
      credits.call('PUT', `/accounts/${id}`, systemFor(id), { dailyCredits, timezone: 'Europe/Paris', ...(planVersion ? { planVersion } : {}) });
    expect((await put(100, 1)).body).toMatchObject({ dailyAllowance: 100 });
    expect((await put(300, 3)).body).toMatchObject({ dailyAllowance: 300 });
    expect((await put(200, 2)).body).toMatchObject({ dailyAllowance: 300 });
    expect((await put(200, 3)).body).toMatchObject({ dailyAllowance: 300 });
    expect((await put(150)).body).toMatchObject({ dailyAllowance: 150 });
    expect((await put(200, 2)).body).toMatchObject({ dailyAllowance: 150 });
    await eventually(() =>
      expect(eventsOf(id).filter((e) => e.type === 'PlanChanged').map((e) => [e.data.dailyCredits, e.data.planVersion])).toEqual([
        [100, 1],
        [300, 3],
        [150, undefined],
      ]),
    );
  });

  it('refuses a debit naming an entity longer than a path segment, charging nothing', async () => {
    const id = uniqueInstance();
    await plan(id, 10);
    const refused = await debit(id, 'long', 1, { entities: ['a'.repeat(257)] });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ field: 'entities', message: expect.stringContaining('256') }]);
    expect(await balance(id)).toMatchObject({ remaining: 10 });
  });

  it('gives exactly allowance successes under 3x oversubscription, and 0 remain', async () => {
    const id = uniqueInstance();
    await plan(id, 60);
    const results = await Promise.all(Array.from({ length: 180 }, () => debit(id, randomUUID())));
    expect(results.filter((r) => r.status === 200)).toHaveLength(60);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(120);
    expect(refused[0].body.code).toBe('credits_exhausted');
    expect(Number(refused[0].headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await balance(id)).remaining).toBe(0);
    await eventually(() => expect(eventsOf(id).filter((e) => e.type === 'CreditsConsumed')).toHaveLength(60));
  });

  it('names each debit\'s own request in its event, also when one batch commits several', async () => {
    const id = uniqueInstance();
    await plan(id, 10);
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const batch = await credits.call('POST', '/debits/batch', systemFor(id), { debits: ids.map((requestId) => ({ requestId, cost: 1, entities: ['actions'] })) });
    expect(batch.status).toBe(200);
    await eventually(() => {
      const consumed = eventsOf(id).filter((e) => e.type === 'CreditsConsumed');
      expect(consumed.map((e) => [e.data.requestId, e.correlationId])).toEqual(ids.map((requestId) => [requestId, requestId]));
    });
  });

  it('charges a retried request id once, even when the retries race', async () => {
    const id = uniqueInstance();
    await plan(id, 10);
    const requestId = randomUUID();
    const answers = await Promise.all(Array.from({ length: 8 }, () => debit(id, requestId, 3)));
    expect(answers.every((a) => a.status === 200 && a.body.cost === 3)).toBe(true);
    const again = await debit(id, requestId, 3);
    expect(again.body).toEqual({ cost: 3, remaining: 7 });
    expect((await balance(id)).remaining).toBe(7);
    await eventually(() => expect(eventsOf(id).filter((e) => e.type === 'CreditsConsumed')).toHaveLength(1));
  });

  it('refunds once; unknown and repeated refunds change nothing', async () => {
    const id = uniqueInstance();
    await plan(id, 10);
    const requestId = randomUUID();
    await debit(id, requestId, 4);
    const refund = () => credits.call('POST', '/refunds', systemFor(id), { requestId });
    expect((await refund()).body).toMatchObject({ remaining: 10, refunded: true });
    expect((await refund()).body).toMatchObject({ remaining: 10, refunded: false });
    expect((await credits.call('POST', '/refunds', systemFor(id), { requestId: 'never-seen' })).body).toMatchObject({
      remaining: 10,
      refunded: false,
    });
    await eventually(() => {
      const refunded = eventsOf(id).filter((e) => e.type === 'CreditsRefunded');
      expect(refunded.map((e) => e.data)).toEqual([{ requestId, amount: 4, remaining: 10, day: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) }]);
    });
    // Subscribers find the request behind each event in the envelope, as for a plan change.
    const correlated = eventsOf(id).filter((e) => e.type === 'CreditsConsumed' || e.type === 'CreditsRefunded');
    expect(correlated.map((e) => [e.type, e.correlationId])).toEqual([
      ['CreditsConsumed', requestId],
      ['CreditsRefunded', requestId],
    ]);
  });

  it('voids a request id on a final refund: a debit arriving later charges nothing; a plain refund leaves it chargeable', async () => {
    const id = uniqueInstance();
    await plan(id, 10);
    const finalRefund = (requestId: string) => credits.call('POST', '/refunds', systemFor(id), { requestId, final: true });
    // Refunded before its debit arrived: the debit call was still on its way.
    expect((await finalRefund('late')).body).toEqual({ remaining: 10, refunded: false, voided: true });
    const late = await debit(id, 'late', 3);
    expect([late.status, late.body.code]).toEqual([409, 'conflict']);
    // Charged, then refunded for good: a repeat of its debit call charges nothing either.
    await debit(id, 'charged', 4);
    expect((await finalRefund('charged')).body).toEqual({ remaining: 10, refunded: true, voided: true });
    expect((await debit(id, 'charged', 4)).status).toBe(409);
    expect((await finalRefund('charged')).body).toEqual({ remaining: 10, refunded: false, voided: false });
    // A plain refund (a flow's step) leaves the id chargeable again: a resumed run reads again.
    await debit(id, 'step', 2);
    await credits.call('POST', '/refunds', systemFor(id), { requestId: 'step' });
    expect((await debit(id, 'step', 2)).body).toEqual({ cost: 2, remaining: 8 });

    await eventually(() => {
      const events = eventsOf(id).filter((e) => e.type !== 'PlanChanged');
      expect(events.map((e) => [e.type, e.data.requestId])).toEqual([
        ['ChargeVoided', 'late'],
        ['CreditsConsumed', 'charged'],
        ['CreditsRefunded', 'charged'],
        ['ChargeVoided', 'charged'],
        ['CreditsConsumed', 'step'],
        ['CreditsRefunded', 'step'],
        ['CreditsConsumed', 'step'],
      ]);
    });
    // Voids move no credits and are no usage; the day still balances, a void being its last event.
    await finalRefund('last');
    expect((await credits.call('GET', '/usage?groupBy=day', systemFor(id))).body.total).toEqual({ credits: 2, requests: 1 });
    expect((await credits.call('GET', `/accounts/${id}/audit`, systemFor(id))).body).toMatchObject({
      consumed: 8,
      refunded: 6,
      remaining: 8,
      ledgerNet: 2,
      balanced: true,
    });
    // The ledger, voids included, is what the event store replays to.
    const ledger = () => credits.db.dataSource.query(`SELECT * FROM credit_charges WHERE instance_id = $1 ORDER BY request_id`, [id]);
    const before = await ledger();
    expect(before.map((r: { request_id: string; cost: number; closed: boolean }) => [r.request_id, r.cost, r.closed])).toEqual([
      ['charged', 4, true],
      ['last', 0, true],
      ['late', 0, true],
      ['step', 2, false],
    ]);
    await rebuildProjections(credits.db.dataSource, [credits.app.get(CreditLedgerProjection)]);
    expect(await ledger()).toEqual(before);
  });

  it('adds a raised allowance at once and caps a lowered one', async () => {
    const id = uniqueInstance();
    await plan(id, 10);
    await debit(id, randomUUID(), 6);
    expect((await plan(id, 20)).body).toMatchObject({ dailyAllowance: 20, remaining: 14 });
    expect((await plan(id, 5)).body).toMatchObject({ dailyAllowance: 5, remaining: 5 });
    expect((await plan(id, 8)).body).toMatchObject({ dailyAllowance: 8, remaining: 8 });
    await eventually(() =>
      expect(eventsOf(id).filter((e) => e.type === 'PlanChanged').map((e) => e.data.remaining)).toEqual([10, 14, 5, 8]),
    );
  });

  it('never refunds a pool above a lowered allowance, and the day still balances', async () => {
    const id = uniqueInstance();
    await plan(id, 100);
    await debit(id, 'big', 60);
    await debit(id, 'small', 5);
    expect((await plan(id, 50)).body).toMatchObject({ dailyAllowance: 50, remaining: 35 });
    expect((await credits.call('POST', '/refunds', systemFor(id), { requestId: 'big' })).body).toMatchObject({ remaining: 50, refunded: true });
    expect(await balance(id)).toMatchObject({ dailyAllowance: 50, remaining: 50 });
    await eventually(() =>
      expect(eventsOf(id).filter((e) => e.type === 'CreditsRefunded').map((e) => e.data)).toEqual([{ requestId: 'big', amount: 60, capped: 45, remaining: 50, day: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) }]),
    );
    // What the cap kept counts with the plan changes: 100 - 45 - 65 + 60 = 50.
    expect((await credits.call('GET', `/accounts/${id}/audit`, systemFor(id))).body).toMatchObject({
      allowance: 100,
      adjustments: -45,
      consumed: 65,
      refunded: 60,
      remaining: 50,
      expectedRemaining: 50,
      ledgerNet: 5,
      balanced: true,
    });
  });

  it('proves the day in the audit: allowance - consumed + refunded = remaining', async () => {
    const id = uniqueInstance();
    await plan(id, 50);
    const ids = Array.from({ length: 20 }, () => randomUUID());
    await Promise.all(ids.map((r) => debit(id, r, 2)));
    await credits.call('POST', '/refunds', systemFor(id), { requestId: ids[0] });
    await plan(id, 60);
    const audit = await credits.call('GET', `/accounts/${id}/audit`, systemFor(id));
    expect(audit.body).toMatchObject({
      allowance: 50,
      adjustments: 10,
      consumed: 40,
      refunded: 2,
      remaining: 22,
      expectedRemaining: 22,
      snapshotRemaining: 22,
      ledgerNet: 38,
      balanced: true,
    });
    expect((await credits.call('GET', `/accounts/${id}/audit`, systemFor('someone-else'))).status).toBe(403);
  });

  it('groups usage by day, key, user and entity, refunds excluded', async () => {
    const id = uniqueInstance();
    await plan(id, 100, 'UTC');
    await debit(id, 'u1', 2, { entities: ['actions', 'graphs'], keyId: 'key_a', userId: 'user_1' });
    await debit(id, 'u2', 1, { entities: ['actions'], keyId: 'key_b' });
    await debit(id, 'u3', 1, { entities: ['users'], keyId: 'key_b' });
    await credits.call('POST', '/refunds', systemFor(id), { requestId: 'u3' });
    const usage = async (groupBy: string) => (await credits.call('GET', `/usage?groupBy=${groupBy}`, systemFor(id))).body;
    expect((await usage('day')).usage).toEqual([{ day: expect.any(String), credits: 3, requests: 2 }]);
    expect((await usage('key')).usage).toEqual([
      { keyId: 'key_a', credits: 2, requests: 1 },
      { keyId: 'key_b', credits: 1, requests: 1 },
    ]);
    expect((await usage('user')).usage).toEqual([
      { userId: 'user_1', credits: 2, requests: 1 },
      { userId: null, credits: 1, requests: 1 },
    ]);
    expect((await usage('entity')).usage).toEqual([
      { entity: 'actions', credits: 2, requests: 2 },
      { entity: 'graphs', credits: 1, requests: 1 },
    ]);
    expect((await credits.call('GET', '/usage?groupBy=planet', systemFor(id))).status).toBe(400);
  });
});
