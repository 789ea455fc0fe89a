import type { InternalClient } from '../downstream/internal-client';
import type { Charge } from '../engine/run-context';
import type { RunMessage } from './run-message';

/** What a trigger's run cost, for X-Credits-Cost and X-Credits-Remaining. */
export interface CreditsUsed {
  cost: number;
  remaining: number;
}

/**
 * Settles a run's credits (API.md: work that fails is refunded): a run that succeeded keeps its
 * charges; any other gives them back. Refunds are final, so a debit still on its way when the run
 * ended charges nothing, and idempotent by request id, so settling twice gives back once.
 */
export class RunCredits {
  constructor(private readonly credits: InternalClient) {}

  /**
   * `refusedAtRemaining`: a debit of the run was refused for want of credits, leaving this many.
   * `unconfirmed`: request ids that may have charged without a charge to show for it (a debit whose
   * answer never came): no outcome uses them, so they are given back whether or not the run succeeded.
   */
  async settle(
    instanceId: string,
    charges: Charge[],
    succeeded: boolean,
    log: (message: RunMessage['level'], text: string) => void,
    refusedAtRemaining?: number,
    unconfirmed: Iterable<string> = [],
  ): Promise<CreditsUsed | undefined> {
    const charged = new Map(charges.map((c) => [c.requestId, c.cost]));
    const uncertain = [...new Set(unconfirmed)].filter((id) => !charged.has(id));
    const back = succeeded ? uncertain : [...charged.keys(), ...uncertain];
    const { kept, remaining } = back.length ? await this.refund(instanceId, back) : { kept: [], remaining: undefined };
    const total = charges.reduce((sum, c) => sum + c.cost, 0);
    const cost = succeeded ? total : kept.reduce((sum, id) => sum + (charged.get(id) ?? 0), 0);
    if (kept.length) log('error', `refund of ${kept.join(', ')} failed; what ${kept.length > 1 ? 'they' : 'it'} charged stays spent`);
    else if (!succeeded && charges.length) log('info', `${total} credit(s) refunded: the run did not succeed`);
    const left = remaining ?? charges.at(-1)?.remaining ?? refusedAtRemaining;
    return left === undefined ? undefined : { cost, remaining: left };
  }

  /** Gives back what these request ids were charged (nothing for ids never charged); the ids whose refund failed. */
  async refund(instanceId: string, requestIds: string[]): Promise<{ kept: string[]; remaining?: number }> {
    const kept: string[] = [];
    let remaining: number | undefined;
    for (const requestId of requestIds) {
      const res = await this.credits
        .call<{ remaining?: number }>({ method: 'POST', path: '/refunds', instanceId, requestId, body: { requestId, final: true } })
        .catch(() => undefined);
      if (res?.status === 200 && typeof res.body?.remaining === 'number') remaining = res.body.remaining;
      else kept.push(requestId);
    }
    return { kept, remaining };
  }
}
