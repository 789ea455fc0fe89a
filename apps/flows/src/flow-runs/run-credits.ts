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

  /** `refusedAtRemaining`: a debit of the run was refused for want of credits, leaving this many. */
  async settle(
    instanceId: string,
    charges: Charge[],
    succeeded: boolean,
    log: (message: RunMessage['level'], text: string) => void,
    refusedAtRemaining?: number,
  ): Promise<CreditsUsed | undefined> {
    if (!charges.length) return refusedAtRemaining === undefined ? undefined : { cost: 0, remaining: refusedAtRemaining };
    const last = charges[charges.length - 1];
    const charged = charges.reduce((sum, c) => sum + c.cost, 0);
    if (succeeded) return { cost: charged, remaining: last.remaining };
    const { kept, remaining } = await this.refund(instanceId, charges.map((c) => c.requestId));
    const cost = charges.filter((c) => kept.includes(c.requestId)).reduce((sum, c) => sum + c.cost, 0);
    if (kept.length) log('error', `refund of ${kept.join(', ')} failed; ${cost} credit(s) stay spent`);
    else log('info', `${charged} credit(s) refunded: the run did not succeed`);
    return { cost, remaining: remaining ?? last.remaining };
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
