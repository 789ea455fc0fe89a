import { Injectable } from '@nestjs/common';
import type { Principal } from '@tollgate/auth';
import { ErrorCode } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { DebitBatcher, type DebitResult } from './debit-batcher';

export interface Charge {
  cost: number;
  remaining: number;
  /** Gives the credits back (work failed with 5xx or timed out). Idempotent. */
  refund(): Promise<void>;
}

export interface ChargeInput {
  principal: Principal;
  requestId: string;
  cost: number;
  entities: string[];
}

export const CREDITS_COST_HEADER = 'x-credits-cost';
export const CREDITS_REMAINING_HEADER = 'x-credits-remaining';

export function creditHeaders(charge: Charge): Record<string, string> {
  return { [CREDITS_COST_HEADER]: String(charge.cost), [CREDITS_REMAINING_HEADER]: String(charge.remaining) };
}

/**
 * Metering for the gateway's controllers: debit after authentication and validation, before the
 * work; refund when the work fails. The request id is the idempotency key, so a retried call is
 * never charged twice.
 */
@Injectable()
export class MeteringService {
  constructor(private readonly batcher: DebitBatcher) {}

  async charge(input: ChargeInput): Promise<Charge> {
    const { principal, requestId } = input;
    if (!Number.isInteger(input.cost) || input.cost < 0) throw new Error(`A charge costs a whole number of credits, not ${input.cost}`);
    if (input.cost === 0) {
      const remaining = await this.batcher.remaining(principal.instanceId, requestId);
      return { cost: 0, remaining, refund: async () => undefined };
    }
    const result: DebitResult = await this.batcher.debit(principal.instanceId, {
      requestId,
      cost: input.cost,
      entities: input.entities,
      ...(principal.keyId ? { keyId: principal.keyId } : {}),
      ...(principal.userId ? { userId: principal.userId } : {}),
    });
    if (result.outcome === 'exhausted') {
      throw new ApiException(
        ErrorCode.CreditsExhausted,
        `Not enough credits: this request costs ${input.cost}, ${result.remaining} remaining`,
        { headers: { 'retry-after': String(result.retryAfterSeconds ?? 60) } },
      );
    }
    let refunded: Promise<void> | undefined;
    return {
      cost: result.cost,
      remaining: result.remaining,
      refund: () =>
        (refunded ??= this.batcher.refund(principal.instanceId, requestId).catch((error: unknown) => {
          refunded = undefined;
          throw error;
        })),
    };
  }
}
