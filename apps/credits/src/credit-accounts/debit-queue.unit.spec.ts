import type { DebitRequest, DebitResult } from '@tollgate/contracts';
import { EventTooLarge } from '@tollgate/event-sourcing';
import type { CreditAccountState } from './credit-account.events';
import type { CreditAccountWriter } from './credit-account.writer';
import { DebitQueue } from './debit-queue';

const debit = (requestId: string): DebitRequest => ({ requestId, cost: 1, entities: ['actions'] });

/**
 * A writer that decides every batch under the lock (each answered "cost 1") and whose quick path
 * throws while deciding, as an event too large to publish does. The database side of the queue is
 * covered by debit-queue.int.spec.ts; this is only what the queue does with a throw.
 */
function throwingWriter(): CreditAccountWriter {
  const state = { exists: true } as CreditAccountState;
  return {
    execute: async (_instanceId: string, _decide: unknown) => ({ state, result: [{ cost: 1, remaining: 9 } as DebitResult] }),
    prepareDebits: () => {
      throw new EventTooLarge('CreditsConsumed', 600_000);
    },
  } as unknown as CreditAccountWriter;
}

describe('DebitQueue when deciding a batch throws', () => {
  it('answers those debits with the error and goes on serving the next ones', async () => {
    const queue = new DebitQueue(throwingWriter());
    // The first batch is decided under the lock and leaves an expected pool: the next takes the quick path.
    await expect(queue.debit('inst', [debit('r1')])).resolves.toEqual([{ cost: 1, remaining: 9 }]);
    await expect(queue.debit('inst', [debit('r2')])).rejects.toBeInstanceOf(EventTooLarge);
    // The failed batch no longer holds the pool: the next one is decided under the lock again.
    await expect(queue.debit('inst', [debit('r3')])).resolves.toEqual([{ cost: 1, remaining: 9 }]);
  });
});
