import type { CreditAccountState } from '../credit-account.events';
import { endOfLocalDay, localDay } from '../credit-period';

/** The body of `GET /api/v1/credits` and of every `balance` event on the stream. */
export interface Balance {
  dailyAllowance: number;
  remaining: number;
  resetsAt: string;
  timezone: string;
  /** Stream version the balance reflects, so followers of the events can drop older ones. */
  version: number;
}

export function balanceOf(state: CreditAccountState, now: Date): Balance {
  if (!state.exists) {
    return { dailyAllowance: 0, remaining: 0, resetsAt: endOfLocalDay(localDay(now, 'UTC'), 'UTC').toISOString(), timezone: 'UTC', version: 0 };
  }
  return {
    dailyAllowance: state.dailyAllowance,
    remaining: state.remaining,
    resetsAt: state.resetsAt.toISOString(),
    timezone: state.timezone,
    version: state.version,
  };
}
