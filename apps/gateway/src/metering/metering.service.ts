import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '@tollgate/auth';
import { ErrorCode, type DebitResult } from '@tollgate/contracts';
import { ApiException, requestIdChosenByClient } from '@tollgate/service-runtime';
import { DebitBatcher } from './debit-batcher';

export interface Charge {
  cost: number;
  remaining: number;
  /**
   * Gives the credits back (work failed with 5xx or timed out): now, or as soon as credits takes
   * it. Idempotent; never fails. Answers what then remains, when credits took it now.
   */
  refund(): Promise<number | undefined>;
}

export interface ChargeInput {
  principal: Principal;
  /** The charge's idempotency key (see `chargeIdFor`). */
  requestId: string;
  /** The request id the client saw (X-Request-Id): the charge's events correlate to it. */
  correlationId?: string;
  cost: number;
  entities: string[];
}

export const CREDITS_COST_HEADER = 'x-credits-cost';
export const CREDITS_REMAINING_HEADER = 'x-credits-remaining';

export function creditHeaders(charge: Pick<Charge, 'cost' | 'remaining'>): Record<string, string> {
  return { [CREDITS_COST_HEADER]: String(charge.cost), [CREDITS_REMAINING_HEADER]: String(charge.remaining) };
}

/**
 * The idempotency key of a request's charge. A request id the gateway made up is unique and serves
 * as it is. A client's own X-Request-Id does not: a client may send the same one on every call, and
 * keyed by it, every repeat would be served on the first call's charge. Such an id gets a unique
 * suffix, so the charge (in usage and `CreditsConsumed`) still shows which request it was; the
 * charge's events carry the id itself as their correlation id.
 */
export function chargeIdFor(request: FastifyRequest): string {
  const id = String(request.id);
  return requestIdChosenByClient(request.raw) ? `${id}.${randomBytes(9).toString('base64url')}` : id;
}

/**
 * Metering for the gateway's controllers: debit after authentication and validation, before the
 * work; refund when the work fails. `requestId` is the charge's idempotency key (see `chargeIdFor`):
 * the gateway's own retry of a debit call never charges twice.
 */
@Injectable()
export class MeteringService {
  constructor(private readonly batcher: DebitBatcher) {}

  async charge(input: ChargeInput): Promise<Charge> {
    const { principal, requestId } = input;
    const correlationId = input.correlationId !== undefined && input.correlationId !== requestId ? input.correlationId : undefined;
    if (!Number.isInteger(input.cost) || input.cost < 0) throw new Error(`A charge costs a whole number of credits, not ${input.cost}`);
    if (input.cost === 0) {
      const remaining = await this.batcher.remaining(principal.instanceId, requestId);
      return { cost: 0, remaining, refund: async () => undefined };
    }
    const result: DebitResult = await this.batcher.debit(principal.instanceId, {
      requestId,
      ...(correlationId ? { correlationId } : {}),
      cost: input.cost,
      entities: input.entities,
      ...(principal.keyId ? { keyId: principal.keyId } : {}),
      ...(principal.userId ? { userId: principal.userId } : {}),
    });
    // Only a debit call this gateway gave up on (and voided) can be answered so; never a live request.
    if (result.outcome === 'voided') throw new ApiException(ErrorCode.Unavailable, 'The charge for this request was voided');
    if (result.outcome === 'exhausted') {
      throw new ApiException(
        ErrorCode.CreditsExhausted,
        `Not enough credits: this request costs ${input.cost}, ${result.remaining} remaining`,
        {
          headers: {
            'retry-after': String(result.retryAfterSeconds ?? 60),
            // A metered answer, refused: it cost nothing, and says what is left.
            ...creditHeaders({ cost: 0, remaining: result.remaining }),
          },
        },
      );
    }
    let refunded: Promise<number | undefined> | undefined;
    return {
      cost: result.cost,
      remaining: result.remaining,
      refund: () => (refunded ??= this.batcher.refundSurely(principal.instanceId, requestId, correlationId)),
    };
  }
}
