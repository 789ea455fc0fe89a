import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { metricsRegistry } from '@tollgate/service-runtime';
import { decideDebits, type DebitRequest, type DebitResult, type KnownCharge } from './credit-account.decider';
import type { CreditAccountState } from './credit-account.events';
import { CreditAccountWriter, type PreparedDebits } from './credit-account.writer';

interface Waiting {
  debits: DebitRequest[];
  resolve(results: DebitResult[]): void;
  reject(error: unknown): void;
}

/** Debits per transaction; bounds the transaction's size and the wait of those queued behind it. */
const MAX_DEBITS_PER_COMMIT = 2000;
/**
 * Batches of one instance in flight from one process, each in its own transaction: one holding the
 * pool's lock, one already queued on it. More only makes the batches smaller (measured with
 * bench/credits-debits.bench.ts: 2 beats 1, 3, 4 and 8 at 64 clients).
 */
const MAX_IN_FLIGHT = 2;

const batchesCommitted = new Counter({
  name: 'tollgate_credits_debit_batches_total',
  help: 'Debit batches committed, by path: pipelined (decided on the expected pool) or locked (decided under the row lock)',
  labelNames: ['path'] as const,
  registers: [metricsRegistry],
});

interface InstanceQueue {
  waiting: Waiting[];
  inFlight: number;
  /**
   * The pool as this process expects it once its batches in flight commit. A guess: another
   * writer may have moved it, which the guarded claim notices.
   */
  expected?: CreditAccountState;
  /** Resolves once the latest batch in flight has claimed the pool (true) or given up (false). */
  lastClaim: Promise<boolean>;
}

/**
 * Group commit per instance, pipelined. Debits arriving while batches are in flight queue and
 * leave together as the next batch, decided on the pool the batch before it will leave. Each
 * batch writes its rows in a transaction of its own, alongside the others, then claims the pool
 * (a guarded UPDATE of its row) right after its predecessor has: the claims, and so the commits,
 * happen in order, and the row lock is held only for the claim and the commit. Correctness never
 * rests on the guess: a claim succeeds only if the pool is exactly the one the batch was decided
 * on; otherwise the batch is decided again under the lock on committed state, and so is any batch
 * that followed it. Nobody is answered before their debit is committed, so a crash loses nothing
 * that was acknowledged.
 */
@Injectable()
export class DebitQueue {
  /** One small entry per instance this process has debited; kept while idle for its `expected` pool. */
  private readonly queues = new Map<string, InstanceQueue>();
  /** Batches this queue committed by each path; also exported as a metric. */
  readonly committed = { pipelined: 0, locked: 0 };

  constructor(private readonly writer: CreditAccountWriter) {}

  debit(instanceId: string, debits: DebitRequest[]): Promise<DebitResult[]> {
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(instanceId);
      if (!queue) this.queues.set(instanceId, (queue = { waiting: [], inFlight: 0, lastClaim: Promise.resolve(true) }));
      queue.waiting.push({ debits, resolve, reject });
      this.pump(instanceId, queue);
    });
  }

  private pump(instanceId: string, queue: InstanceQueue): void {
    // Without an expected pool the next batch is decided under the lock, alone; it leaves one behind.
    while (queue.waiting.length > 0 && (queue.inFlight === 0 || (queue.inFlight < MAX_IN_FLIGHT && queue.expected))) {
      const batch: Waiting[] = [];
      let size = 0;
      while (queue.waiting.length > 0 && (batch.length === 0 || size + queue.waiting[0].debits.length <= MAX_DEBITS_PER_COMMIT)) {
        const next = queue.waiting.shift()!;
        batch.push(next);
        size += next.debits.length;
      }
      const debits = batch.flatMap((w) => w.debits);
      const prepared = queue.expected && this.writer.prepareDebits(queue.expected, debits);
      queue.inFlight++;
      let commit: Promise<DebitResult[]>;
      if (prepared) {
        const predecessor = queue.lastClaim;
        let claimed!: (ok: boolean) => void;
        queue.lastClaim = new Promise((resolve) => (claimed = resolve));
        queue.expected = prepared.state;
        commit = this.pipelined(queue, instanceId, prepared, debits, predecessor, claimed);
      } else {
        queue.expected = undefined;
        commit = this.locked(queue, instanceId, debits);
      }
      void commit
        .then(
          (results) => {
            let offset = 0;
            for (const w of batch) {
              w.resolve(results.slice(offset, offset + w.debits.length));
              offset += w.debits.length;
            }
          },
          (error: unknown) => {
            queue.expected = undefined;
            for (const w of batch) w.reject(error);
          },
        )
        .finally(() => {
          queue.inFlight--;
          this.pump(instanceId, queue);
        });
    }
  }

  private async pipelined(
    queue: InstanceQueue,
    instanceId: string,
    prepared: PreparedDebits,
    debits: DebitRequest[],
    predecessor: Promise<boolean>,
    claimed: (ok: boolean) => void,
  ): Promise<DebitResult[]> {
    let ok = false;
    try {
      const transaction = await prepared.write();
      if (transaction) {
        try {
          ok = (await predecessor) && (await transaction.claim());
        } finally {
          claimed(ok);
          await (ok ? transaction.commit() : transaction.rollback());
        }
      }
    } finally {
      claimed(ok);
    }
    if (ok) {
      this.committed.pipelined++;
      batchesCommitted.inc({ path: 'pipelined' });
      return prepared.result;
    }
    // The guess was wrong: stop guessing until a batch decided under the lock says where the pool is.
    queue.expected = undefined;
    return this.locked(queue, instanceId, debits);
  }

  private async locked(queue: InstanceQueue, instanceId: string, debits: DebitRequest[]): Promise<DebitResult[]> {
    const written = await this.writer.execute(instanceId, async (state, em, now) => {
      const rows: { request_id: string; cost: number; day: string; refunded: boolean }[] = await em.query(
        `SELECT request_id, cost, day, refunded_at IS NOT NULL AS refunded
           FROM credit_charges WHERE instance_id = $1 AND request_id = ANY($2::text[])`,
        [instanceId, [...new Set(debits.map((d) => d.requestId))]],
      );
      const known = new Map<string, KnownCharge>(rows.map((r) => [r.request_id, { cost: r.cost, day: r.day, refunded: r.refunded }]));
      return decideDebits(state, debits, known, now);
    });
    this.committed.locked++;
    batchesCommitted.inc({ path: 'locked' });
    if (queue.inFlight <= 1) {
      queue.expected = written.state;
      queue.lastClaim = Promise.resolve(true);
    }
    return written.result;
  }
}
