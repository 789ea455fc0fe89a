import {
  CreditsConsumed,
  CreditsRefunded,
  CreditsReset,
  PlanChanged,
  type EventData,
  type EventEnvelope,
} from '@tollgate/contracts';
import { endOfLocalDay, localDay, poolEndsAt } from './credit-period';

/** One instance's pool, as folded from its stream (and stored as the `credit_accounts` snapshot). */
export interface CreditAccountState {
  exists: boolean;
  instanceId: string;
  dailyAllowance: number;
  remaining: number;
  timezone: string;
  /** The local day the current pool belongs to. */
  day: string;
  resetsAt: Date;
  /** Stream version: number of events applied. */
  version: number;
  /** The version (in keys) of the plan it follows; 0 when its plan came without one. */
  planVersion: number;
}

export const creditAccountStream = (instanceId: string) => `credits-${instanceId}`;

export function initialCreditAccount(instanceId: string): CreditAccountState {
  return {
    exists: false,
    instanceId,
    dailyAllowance: 0,
    remaining: 0,
    timezone: 'UTC',
    day: '1970-01-01',
    resetsAt: new Date(0),
    version: 0,
    planVersion: 0,
  };
}

export function evolveCreditAccount(state: CreditAccountState, event: EventEnvelope): CreditAccountState {
  const next = { ...state, version: event.sequence };
  switch (event.type) {
    case PlanChanged.type: {
      const data = event.data as unknown as EventData<typeof PlanChanged>;
      const at = new Date(event.occurredAt);
      // A new account's first pool is today's; a new timezone moves the next reset, not the pool.
      const day = state.exists ? state.day : localDay(at, data.timezone);
      const resetsAt = state.exists && data.timezone === state.timezone ? state.resetsAt : poolEndsAt(day, at, data.timezone);
      const planVersion = data.planVersion ?? state.planVersion;
      return { ...next, exists: true, dailyAllowance: data.dailyCredits, timezone: data.timezone, remaining: data.remaining, day, resetsAt, planVersion };
    }
    case CreditsReset.type: {
      const data = event.data as unknown as EventData<typeof CreditsReset>;
      return {
        ...next,
        day: data.day,
        dailyAllowance: data.allowance,
        remaining: data.remaining,
        resetsAt: endOfLocalDay(data.day, state.timezone),
      };
    }
    case CreditsConsumed.type:
      return { ...next, remaining: (event.data as unknown as EventData<typeof CreditsConsumed>).remaining };
    case CreditsRefunded.type:
      return { ...next, remaining: (event.data as unknown as EventData<typeof CreditsRefunded>).remaining };
    default:
      return next;
  }
}
