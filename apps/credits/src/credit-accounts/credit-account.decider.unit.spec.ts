import type { DebitRequest, EventEnvelope } from '@tollgate/contracts';
import type { PendingEvent } from '@tollgate/event-sourcing';
import { decideChangePlan, decideDebits, decideRefund, decideReset } from './credit-account.decider';
import { evolveCreditAccount, initialCreditAccount, type CreditAccountState } from './credit-account.events';

const at = (iso: string) => new Date(iso);

/** Given past decisions (folded through evolve, as the store would), the state they leave. */
function given(...steps: [(s: CreditAccountState, now: Date) => { events: PendingEvent[] }, string][]): CreditAccountState {
  let state = initialCreditAccount('demo');
  for (const [decide, when] of steps) {
    for (const pending of decide(state, at(when)).events) {
      const envelope = {
        id: 'e',
        type: pending.contract.type,
        version: 1,
        instanceId: 'demo',
        aggregateId: 'credits-demo',
        sequence: state.version + 1,
        occurredAt: when,
        data: pending.data,
      } as EventEnvelope;
      state = evolveCreditAccount(state, envelope);
    }
  }
  return state;
}

const plan = (dailyCredits: number, timezone = 'Europe/Paris') => (s: CreditAccountState, now: Date) =>
  decideChangePlan(s, { dailyCredits, timezone }, now);
const debits = (...list: DebitRequest[]) => (s: CreditAccountState, now: Date) => decideDebits(s, list, new Map(), now);
const d = (requestId: string, cost = 1): DebitRequest => ({ requestId, cost, entities: ['actions'] });

describe('credit account decider', () => {
  it('resets at local midnight on the night clocks spring forward (Paris, 23-hour day)', () => {
    const state = given([plan(10), '2026-03-28T10:00:00Z'], [debits(d('a', 4)), '2026-03-28T12:00:00Z']);
    expect(state.resetsAt.toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(decideReset(state, at('2026-03-28T22:59:59Z')).events).toEqual([]);

    const reset = decideReset(state, at('2026-03-28T23:00:00Z'));
    expect(reset.events.map((e) => e.data)).toEqual([{ day: '2026-03-29', allowance: 10, remaining: 10 }]);
    // The 29th has 23 hours: the next midnight is 22:00 UTC, summer time.
    expect(reset.state.resetsAt.toISOString()).toBe('2026-03-29T22:00:00.000Z');
  });

  it('resets at local midnight after clocks fall back (New York, 25-hour day)', () => {
    const state = given([plan(5, 'America/New_York'), '2026-11-01T12:00:00Z']);
    expect(state.day).toBe('2026-11-01');
    expect(state.resetsAt.toISOString()).toBe('2026-11-02T05:00:00.000Z');
  });

  it('starts today’s pool at once on a move to a timezone where the pool’s day is already over', () => {
    // 04:00 UTC on the 11th: 20:00 on the 10th in Los Angeles, 13:00 on the 11th in Tokyo.
    const spent = given([plan(10, 'America/Los_Angeles'), '2026-03-10T20:00:00Z'], [debits(d('a', 10)), '2026-03-10T21:00:00Z']);
    const moved = decideChangePlan(spent, { dailyCredits: 10, timezone: 'Asia/Tokyo' }, at('2026-03-11T04:00:00Z'));
    expect(moved.events.map((e) => [e.contract.type, e.data])).toEqual([
      ['PlanChanged', { dailyCredits: 10, timezone: 'Asia/Tokyo', previousDailyCredits: 10, remaining: 0 }],
      ['CreditsReset', { day: '2026-03-11', allowance: 10, remaining: 10 }],
    ]);
    const replayed = given([plan(10, 'America/Los_Angeles'), '2026-03-10T20:00:00Z'], [debits(d('a', 10)), '2026-03-10T21:00:00Z'], [plan(10, 'Asia/Tokyo'), '2026-03-11T04:00:00Z']);
    for (const state of [moved.state, replayed]) {
      // Tokyo's next midnight, 15:00 UTC.
      expect([state.day, state.remaining, state.resetsAt.toISOString()]).toEqual(['2026-03-11', 10, '2026-03-11T15:00:00.000Z']);
    }
  });

  it('keeps a pool until its day is over in a new timezone behind the old one, so no day gets two pools', () => {
    // 10:30 UTC is 00:30 on the 27th in Kiritimati (UTC+14), 22:30 on the 26th in Fiji (UTC+12).
    const state = given(
      [plan(10, 'Pacific/Kiritimati'), '2026-11-26T10:30:00Z'],
      [debits(d('a', 3)), '2026-11-26T10:35:00Z'],
      [plan(10, 'Pacific/Fiji'), '2026-11-26T10:40:00Z'],
    );
    expect([state.day, state.remaining, state.resetsAt.toISOString()]).toEqual(['2026-11-27', 7, '2026-11-27T12:00:00.000Z']);
    // Fiji's midnight into the 27th: the 27th's pool is the current one already.
    expect(decideReset(state, at('2026-11-26T12:00:00Z')).events).toEqual([]);
    const reset = decideReset(state, at('2026-11-27T12:00:00Z'));
    expect(reset.events.map((e) => e.data)).toEqual([{ day: '2026-11-28', allowance: 10, remaining: 10 }]);
  });

  it('never starts a pool on a day that had one, even from a pool that ends early', () => {
    const early = { ...given([plan(10, 'Pacific/Fiji'), '2026-11-26T10:40:00Z']), day: '2026-11-27', resetsAt: at('2026-11-26T12:00:00Z') };
    expect(decideReset(early, at('2026-11-26T12:00:00Z')).events.map((e) => e.data)).toEqual([
      { day: '2026-11-28', allowance: 10, remaining: 10 },
    ]);
  });

  it('refuses a debit the pool cannot cover, whole, with the seconds to the reset', () => {
    const state = given([plan(3), '2026-03-28T22:00:00Z']);
    const { result, events } = decideDebits(state, [d('a', 2), d('b', 2), d('c', 1)], new Map(), at('2026-03-28T22:00:00Z'));
    expect(result.map((r) => [r.outcome, r.remaining])).toEqual([
      ['charged', 1],
      ['exhausted', 1],
      ['charged', 0],
    ]);
    expect(result[1].retryAfterSeconds).toBe(3600);
    expect(events).toHaveLength(2);
  });

  it('charges a request id once within a batch and against the ledger, again after a plain refund, never after a final one', () => {
    const state = given([plan(10), '2026-03-28T10:00:00Z']);
    const known = new Map([
      ['old', { cost: 2, day: '2026-03-28', refunded: false, closed: false }],
      ['back', { cost: 2, day: '2026-03-28', refunded: true, closed: false }],
      ['void', { cost: 2, day: '2026-03-28', refunded: true, closed: true }],
    ]);
    const { result, state: after } = decideDebits(state, [d('x'), d('x'), d('old', 2), d('back', 2), d('void', 2)], known, at('2026-03-28T11:00:00Z'));
    expect(result.map((r) => r.outcome)).toEqual(['charged', 'duplicate', 'duplicate', 'charged', 'voided']);
    expect(result[4].cost).toBe(0);
    expect(after.remaining).toBe(7);
  });

  it('refunds a charge made the day before without giving it to the new day: that pool is gone', () => {
    const state = given([plan(10), '2026-03-28T10:00:00Z'], [debits(d('a', 4)), '2026-03-28T12:00:00Z']);
    const refund = decideRefund(state, { cost: 4, day: '2026-03-28', refunded: false, closed: false }, 'a', at('2026-03-29T08:00:00Z'));
    expect(refund.events.map((e) => [e.contract.type, e.data])).toEqual([
      ['CreditsReset', { day: '2026-03-29', allowance: 10, remaining: 10 }],
      ['CreditsRefunded', { requestId: 'a', amount: 4, capped: 4, remaining: 10, day: '2026-03-28' }],
    ]);
    expect([refund.state.remaining, refund.result]).toEqual([10, { refunded: true, voided: false }]);
  });

  it('closes the request id on a final refund, whether or not anything was charged under it', () => {
    const state = given([plan(10), '2026-03-28T10:00:00Z'], [debits(d('a', 4)), '2026-03-28T12:00:00Z']);
    const now = at('2026-03-28T12:30:00Z');
    const charged = decideRefund(state, { cost: 4, day: '2026-03-28', refunded: false, closed: false }, 'a', now, true);
    expect(charged.events.map((e) => e.contract.type)).toEqual(['CreditsRefunded', 'ChargeVoided']);
    expect([charged.state.remaining, charged.result]).toEqual([10, { refunded: true, voided: true }]);
    const unknown = decideRefund(state, undefined, 'late', now, true);
    expect(unknown.events.map((e) => e.contract.type)).toEqual(['ChargeVoided']);
    expect([unknown.state.remaining, unknown.result]).toEqual([6, { refunded: false, voided: true }]);
    const again = decideRefund(state, { cost: 4, day: '2026-03-28', refunded: true, closed: true }, 'a', now, true);
    expect([again.events, again.result]).toEqual([[], { refunded: false, voided: false }]);
    expect(decideRefund(state, undefined, 'plain', now).events).toEqual([]);
  });

  it('never refunds a pool above its allowance after a lowered plan, and says how much the cap kept', () => {
    const lowered = given([plan(100), '2026-03-28T10:00:00Z'], [debits(d('a', 60), d('b', 5)), '2026-03-28T11:00:00Z'], [plan(50), '2026-03-28T12:00:00Z']);
    expect([lowered.dailyAllowance, lowered.remaining]).toEqual([50, 35]);
    const now = at('2026-03-28T12:30:00Z');
    const charge = (cost: number) => ({ cost, day: '2026-03-28', refunded: false, closed: false });
    // 35 + 60 would be 95: the pool takes back 15 of the 60, up to its allowance.
    const capped = decideRefund(lowered, charge(60), 'a', now);
    expect([capped.state.remaining, capped.result]).toEqual([50, { refunded: true, voided: false }]);
    expect(capped.events.map((e) => [e.contract.type, e.data])).toEqual([['CreditsRefunded', { requestId: 'a', amount: 60, capped: 45, remaining: 50, day: '2026-03-28' }]]);
    // Below the allowance, the whole charge comes back and nothing is said of a cap.
    const whole = decideRefund(lowered, charge(5), 'b', now);
    expect(whole.events.map((e) => e.data)).toEqual([{ requestId: 'b', amount: 5, remaining: 40, day: '2026-03-28' }]);
    // A pool already full takes back nothing, but the charge is refunded all the same (chargeable anew).
    const full = given([plan(100), '2026-03-28T10:00:00Z'], [debits(d('a', 60)), '2026-03-28T11:00:00Z'], [plan(30), '2026-03-28T12:00:00Z']);
    const none = decideRefund(full, charge(60), 'a', now, true);
    expect([none.state.remaining, none.result]).toEqual([30, { refunded: true, voided: true }]);
    expect(none.events.map((e) => e.data)).toEqual([{ requestId: 'a', amount: 60, capped: 60, remaining: 30, day: '2026-03-28' }, { requestId: 'a' }]);
  });

  it('changes nothing when the plan is the same', () => {
    const state = given([plan(10), '2026-03-28T10:00:00Z']);
    expect(decideChangePlan(state, { dailyCredits: 10, timezone: 'Europe/Paris' }, at('2026-03-28T11:00:00Z')).events).toEqual([]);
  });

  it('records a newer plan version even with the same values, so an older change arriving after it changes nothing', () => {
    // Keys went 10 (v1), 20 (v2), 10 (v3); credits hears v1, then v3, then the late v2.
    const versioned = (dailyCredits: number, planVersion: number) => (s: CreditAccountState, now: Date) =>
      decideChangePlan(s, { dailyCredits, timezone: 'Europe/Paris', planVersion }, now);
    const state = given([versioned(10, 1), '2026-03-28T10:00:00Z'], [versioned(10, 3), '2026-03-28T10:01:00Z']);
    expect([state.dailyAllowance, state.planVersion]).toEqual([10, 3]);
    expect(decideChangePlan(state, { dailyCredits: 20, timezone: 'Europe/Paris', planVersion: 2 }, at('2026-03-28T10:02:00Z')).events).toEqual([]);
    expect(decideChangePlan(state, { dailyCredits: 10, timezone: 'Europe/Paris', planVersion: 3 }, at('2026-03-28T10:02:00Z')).events).toEqual([]);
  });
});
