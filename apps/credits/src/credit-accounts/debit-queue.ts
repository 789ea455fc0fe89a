import { Injectable } from '@nestjs/common';
import { decideDebits, type DebitRequest, type DebitResult, type KnownCharge } from './credit-account.decider';
import { CreditAccountWriter } from './credit-account.writer';

interface Waiting {
  debits: DebitRequest[];
  resolve(results: DebitResult[]): void;
  reject(error: unknown): void;
}

/** Debits per transaction; bounds the transaction's size and the wait of those queued behind it. */
const MAX_DEBITS_PER_COMMIT = 2000;
/**
 * Transactions per instance in flight from one process. The second waits on the row lock with its
 * statements ready, so the lock passes from one commit to the next without a round trip in between.
 */
const MAX_IN_FLIGHT = 2;

interface InstanceQueue {
  waiting: Waiting[];
  inFlight: number;
}

/**
 * Group commit per instance: while a transaction for an instance is in flight, its next debits
 * queue, and all of them are decided and committed together in a following one. Nobody is
 * answered before their debit is committed, so a crash loses nothing that was acknowledged.
 */
@Injectable()
export class DebitQueue {
  private readonly queues = new Map<string, InstanceQueue>();

  constructor(private readonly writer: CreditAccountWriter) {}

  debit(instanceId: string, debits: DebitRequest[]): Promise<DebitResult[]> {
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(instanceId);
      if (!queue) this.queues.set(instanceId, (queue = { waiting: [], inFlight: 0 }));
      queue.waiting.push({ debits, resolve, reject });
      this.pump(instanceId, queue);
    });
  }

  private pump(instanceId: string, queue: InstanceQueue): void {
    while (queue.waiting.length > 0 && queue.inFlight < MAX_IN_FLIGHT) {
      const batch: Waiting[] = [];
      let size = 0;
      while (queue.waiting.length > 0 && (batch.length === 0 || size + queue.waiting[0].debits.length <= MAX_DEBITS_PER_COMMIT)) {
        const next = queue.waiting.shift()!;
        batch.push(next);
        size += next.debits.length;
      }
      queue.inFlight++;
      void this.run(instanceId, batch).finally(() => {
        queue.inFlight--;
        if (queue.waiting.length > 0) this.pump(instanceId, queue);
        else if (queue.inFlight === 0 && this.queues.get(instanceId) === queue) this.queues.delete(instanceId);
      });
    }
  }

  private async run(instanceId: string, batch: Waiting[]): Promise<void> {
    try {
      const results = await this.commit(instanceId, batch.flatMap((w) => w.debits));
      let offset = 0;
      for (const w of batch) {
        w.resolve(results.slice(offset, offset + w.debits.length));
        offset += w.debits.length;
      }
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }

  private async commit(instanceId: string, debits: DebitRequest[]): Promise<DebitResult[]> {
    const written = await this.writer.execute(instanceId, async (state, em, now) => {
      const rows: { request_id: string; cost: number; day: string; refunded: boolean }[] = await em.query(
        `SELECT request_id, cost, day, refunded_at IS NOT NULL AS refunded
           FROM credit_charges WHERE instance_id = $1 AND request_id = ANY($2::text[])`,
        [instanceId, [...new Set(debits.map((d) => d.requestId))]],
      );
      const known = new Map<string, KnownCharge>(rows.map((r) => [r.request_id, { cost: r.cost, day: r.day, refunded: r.refunded }]));
      return decideDebits(state, debits, known, now);
    });
    return written.result;
  }
}
