import { ChargeVoided, CreditsConsumed, CreditsRefunded, CreditsReset, PlanChanged, type DebitRequest, type DebitResult } from '@tollgate/contracts';
import { pendingEvent, type PendingEvent } from '@tollgate/event-sourcing';
import type { CreditAccountState } from './credit-account.events';
import { endOfLocalDay, isValidTimezone, localDay, nextDay, poolEndsAt, secondsUntil } from './credit-period';

/**
 * The request a batch's events answer: its debit's, when it holds one. The event store gives all of
 * an append's events one correlation id, so a batch of several requests' debits carries none rather
 * than one request's id on the others' events; each CreditsConsumed names its request in its data.
 */
export function correlationOf(debits: readonly DebitRequest[]): string | undefined {
  return debits.length === 1 ? correlationIdOf(debits[0]) : undefined;
}

/** The correlation id of a debit's events: the request its client saw. */
export const correlationIdOf = (debit: Pick<DebitRequest, 'requestId' | 'correlationId'>): string => debit.correlationId ?? debit.requestId;

/** What the ledger already holds for a request id. */
export interface KnownCharge {
  cost: number;
  day: string;
  refunded: boolean;
  /** Closed by a final refund (`ChargeVoided`): never charged again. */
  closed: boolean;
}

export class CreditRuleError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'CreditRuleError';
  }
}

export interface Decision<R> {
  events: PendingEvent[];
  /** The account after the events, for the answer (read-your-writes). */
  state: CreditAccountState;
  result: R;
}

/**
 * A pool past its local midnight is refilled before anything else is decided. The new pool's day
 * is always later than the old one's: the ledger, usage and the check of a day know one pool per day.
 */
export function decideReset(state: CreditAccountState, now: Date): Decision<boolean> {
  if (!state.exists || now < state.resetsAt) return { events: [], state, result: false };
  const today = localDay(now, state.timezone);
  const day = today > state.day ? today : nextDay(state.day);
  const next = { ...state, day, remaining: state.dailyAllowance, resetsAt: endOfLocalDay(day, state.timezone) };
  return {
    events: [pendingEvent(CreditsReset, { day, allowance: state.dailyAllowance, remaining: state.dailyAllowance })],
    state: next,
    result: true,
  };
}

/** Creates the plan, or changes it: a raised allowance adds the difference now, a lowered one caps what remains. */
export function decideChangePlan(
  current: CreditAccountState,
  plan: { dailyCredits: number; timezone: string; planVersion?: number },
  now: Date,
): Decision<void> {
  if (!Number.isInteger(plan.dailyCredits) || plan.dailyCredits < 0) {
    throw new CreditRuleError('dailyCredits', 'dailyCredits must be an integer of at least 0');
  }
  if (!isValidTimezone(plan.timezone)) throw new CreditRuleError('timezone', `Unknown timezone ${plan.timezone}`);
  const reset = decideReset(current, now);
  const state = reset.state;
  // A plan keys replaced before this call arrived changes nothing, nor does the same plan again;
  // but a newer version of the same values is recorded, or an older change arriving after it
  // would pass for news (keys went A, B, A; credits heard A, A, B).
  const versioned = plan.planVersion !== undefined;
  const stale = versioned && plan.planVersion! <= state.planVersion;
  const same = state.dailyAllowance === plan.dailyCredits && state.timezone === plan.timezone;
  if (state.exists && (stale || (same && !versioned))) {
    return { ...reset, result: undefined };
  }
  const remaining = !state.exists
    ? plan.dailyCredits
    : plan.dailyCredits >= state.dailyAllowance
      ? state.remaining + (plan.dailyCredits - state.dailyAllowance)
      : Math.min(state.remaining, plan.dailyCredits);
  const changed = pendingEvent(PlanChanged, {
    dailyCredits: plan.dailyCredits,
    timezone: plan.timezone,
    ...(state.exists ? { previousDailyCredits: state.dailyAllowance } : {}),
    remaining,
    ...(plan.planVersion !== undefined ? { planVersion: plan.planVersion } : {}),
  });
  const day = state.exists ? state.day : localDay(now, plan.timezone);
  const resetsAt = state.exists && state.timezone === plan.timezone ? state.resetsAt : poolEndsAt(day, now, plan.timezone);
  const planVersion = plan.planVersion ?? state.planVersion;
  const planned = { ...state, exists: true, dailyAllowance: plan.dailyCredits, timezone: plan.timezone, remaining, day, resetsAt, planVersion };
  // A move to a zone where the pool's day is already over (Los Angeles to Tokyo in the evening):
  // that zone's today has had no pool, and starts one now, not at its next midnight.
  const overThere = state.exists && localDay(now, plan.timezone) > day;
  const after = overThere ? decideReset({ ...planned, resetsAt: now }, now) : { events: [], state: planned };
  return { events: [...reset.events, changed, ...after.events], state: after.state, result: undefined };
}

/**
 * Applies debits in arrival order. A request id already charged (and not refunded) is answered
 * as before without charging again; one closed by a final refund is answered `voided` and charged
 * nothing; a debit the pool cannot cover is refused whole.
 */
export function decideDebits(
  current: CreditAccountState,
  debits: readonly DebitRequest[],
  known: ReadonlyMap<string, KnownCharge>,
  now: Date,
): Decision<DebitResult[]> {
  const reset = decideReset(current, now);
  const events = [...reset.events];
  let remaining = reset.state.remaining;
  const chargedNow = new Map<string, number>();
  const results = debits.map((debit): DebitResult => {
    const earlier = known.get(debit.requestId);
    if (earlier?.closed) return { requestId: debit.requestId, outcome: 'voided', cost: 0, remaining };
    const repeated = chargedNow.get(debit.requestId) ?? (earlier && !earlier.refunded ? earlier.cost : undefined);
    if (repeated !== undefined) return { requestId: debit.requestId, outcome: 'duplicate', cost: repeated, remaining };
    if (!reset.state.exists || debit.cost > remaining) {
      const until = reset.state.exists ? reset.state.resetsAt : endOfLocalDay(localDay(now, 'UTC'), 'UTC');
      return { requestId: debit.requestId, outcome: 'exhausted', cost: debit.cost, remaining, retryAfterSeconds: secondsUntil(until, now) };
    }
    remaining -= debit.cost;
    chargedNow.set(debit.requestId, debit.cost);
    events.push(
      pendingEvent(
        CreditsConsumed,
        {
          requestId: debit.requestId,
          ...(debit.keyId ? { keyId: debit.keyId } : {}),
          ...(debit.userId ? { userId: debit.userId } : {}),
          entities: debit.entities,
          cost: debit.cost,
          remaining,
        },
        // A batch holds many requests' debits: each event names its own.
        { correlationId: correlationIdOf(debit) },
      ),
    );
    return { requestId: debit.requestId, outcome: 'charged', cost: debit.cost, remaining };
  });
  return { events, state: { ...reset.state, remaining }, result: results };
}

/**
 * Gives a charge back to today's pool, up to its allowance: after a lowered plan the whole charge
 * may no longer fit, and the part that does not is the event's `capped` (the charge is refunded all
 * the same). A charge of an earlier day is refunded too, so that day's usage does not count a
 * request that failed, but its pool is gone: all of it is capped. Unknown or already refunded:
 * nothing to give back. A `final` refund also closes the request id
 * (`ChargeVoided`), charged or not, so that a debit arriving later with it charges nothing: what a
 * caller needs when it gave up on a request whose debit call may still be on its way.
 */
export function decideRefund(
  current: CreditAccountState,
  charge: KnownCharge | undefined,
  requestId: string,
  now: Date,
  final = false,
): Decision<{ refunded: boolean; voided: boolean }> {
  const reset = decideReset(current, now);
  const events = [...reset.events];
  let state = reset.state;
  const refunded = !!charge && !charge.refunded;
  if (refunded) {
    // Never below what remains now, should a pool ever be above its allowance already.
    const remaining =
      charge.day === state.day ? Math.max(state.remaining, Math.min(state.remaining + charge.cost, state.dailyAllowance)) : state.remaining;
    const capped = state.remaining + charge.cost - remaining;
    state = { ...state, remaining };
    events.push(pendingEvent(CreditsRefunded, { requestId, amount: charge.cost, ...(capped > 0 ? { capped } : {}), remaining, day: charge.day }));
  }
  // Also before the instance has a plan: the debit it closes may still arrive once there is one.
  const voided = final && !charge?.closed;
  if (voided) events.push(pendingEvent(ChargeVoided, { requestId }));
  return { events, state, result: { refunded, voided } };
}
