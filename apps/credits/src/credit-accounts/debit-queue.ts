import { randomInt } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { metricsRegistry } from '@tollgate/service-runtime';
import type { DebitRequest, DebitResult } from '@tollgate/contracts';
import { correlationOf, decideDebits } from './credit-account.decider';
import type { CreditAccountState } from './credit-account.events';
import { CreditAccountWriter, type ClaimOrder, type PreparedDebits } from './credit-account.writer';
import { readCharges } from './credit-ledger.projection';

interface Waiting {
  debits: DebitRequest[];
  resolve(results: DebitResult[]): void;
  reject(error: unknown): void;
}

/** Debits per transaction; bounds the transaction's size and the wait of those queued behind it. */
const MAX_DEBITS_PER_COMMIT = 2000;
/**
 * Batches of one instance in flight from one process, each in its own transaction: one holding the
 * pool's lock, one writing its rows and queued on it. More only makes the batches smaller and the
 * waits longer (measured: 3, 4 and 8 in flight all lost to 2).
 */
const MAX_IN_FLIGHT = 2;

const batchesCommitted = new Counter({
  name: 'tollgate_credits_debit_batches_total',
  help: 'Debit batches committed, by path: single (one statement, nothing else in flight), pipelined (overlapping batches) or locked (decided under the row lock)',
  labelNames: ['path'] as const,
  registers: [metricsRegistry],
});

/**
 * When more debits than this wait, they are shared among the free slots, so two batches overlap;
 * fewer leave as one batch. Below about this size a batch's fixed round trips cost more than the
 * overlap saves (measured: at 64 clients one batch of 64 beats two of 32; at 256, two of 128 beat
 * one of 256 by a third).
 */
const SPLIT_ABOVE = 64;

interface InstanceQueue {
  waiting: Waiting[];
  inFlight: number;
  scheduled?: boolean;
  /**
   * The pool as this process expects it once its batches in flight commit. A guess: another
   * writer may have moved it, which the guarded claim notices.
   */
  expected?: CreditAccountState;
  /** The claim-order lane of this pool (a hash of its id) and the next ticket in it. */
  lane: number;
  nextTicket: number;
  /** Request ids in batches in flight (with how many batches hold each). */
  idsInFlight: Map<string, number>;
  /** The latest pipelined batch in flight: its ticket, and when its place in the order is taken. */
  last?: { ticket: number; placed: Promise<void> };
}

/**
 * Group commit per instance, pipelined when busy. Debits arriving while batches are in flight
 * queue and leave together as the next batch, decided on the pool the batch before it will leave.
 * A batch with nothing of its pool in flight beside it is one guarded statement, committed on its
 * own. When two are in flight, each writes its rows in a transaction of its own, alongside the
 * other, then claims the pool (a guarded UPDATE of its row) right after its predecessor has: the
 * claims, and so the commits, happen in order, and the row lock is held only for the claim and
 * the commit. Correctness never rests on the guess: a claim succeeds only if the pool is exactly
 * the one the batch was decided on; otherwise the batch is decided again under the lock on
 * committed state, and so is any batch that followed it. Nobody is answered before their debit is
 * committed, so a crash loses nothing that was acknowledged.
 */
@Injectable()
export class DebitQueue {
  /** One small entry per instance this process has debited; kept while idle for its `expected` pool. */
  private readonly queues = new Map<string, InstanceQueue>();
  /** Tickets start at a random point, so two processes rarely share one (sharing only costs a wait). */
  private readonly salt = randomInt(2 ** 31);
  /** Batches this queue committed by each path; also exported as a metric. */
  readonly committed = { single: 0, pipelined: 0, locked: 0 };

  constructor(private readonly writer: CreditAccountWriter) {}

  debit(instanceId: string, debits: DebitRequest[]): Promise<DebitResult[]> {
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(instanceId);
      if (!queue) this.queues.set(instanceId, (queue = { waiting: [], inFlight: 0, lane: laneOf(instanceId), nextTicket: this.salt, idsInFlight: new Map() }));
      queue.waiting.push({ debits, resolve, reject });
      this.schedule(instanceId, queue);
    });
  }

  /**
   * Pumps once the current burst of calls is queued: answering a batch wakes all its callers in
   * one go, and their next debits should leave together, not the first alone and the rest after.
   */
  private schedule(instanceId: string, queue: InstanceQueue): void {
    if (queue.scheduled) return;
    queue.scheduled = true;
    queueMicrotask(() => {
      queue.scheduled = false;
      this.pump(instanceId, queue);
    });
  }

  private pump(instanceId: string, queue: InstanceQueue): void {
    // Without an expected pool the next batch is decided under the lock, alone; it leaves one behind.
    while (queue.waiting.length > 0 && (queue.inFlight === 0 || (queue.inFlight < MAX_IN_FLIGHT && queue.expected))) {
      const waiting = queue.waiting.reduce((n, w) => n + w.debits.length, 0);
      const slots = queue.expected && waiting > SPLIT_ABOVE ? MAX_IN_FLIGHT - queue.inFlight : 1;
      const share = Math.ceil(waiting / slots);
      const limit = Math.min(MAX_DEBITS_PER_COMMIT, share);
      const batch = this.takeBatch(queue, limit);
      if (batch.length === 0) return; // all that waits repeats ids in flight; their batches' end pumps again
      const debits = batch.flatMap((w) => w.debits);
      for (const d of debits) queue.idsInFlight.set(d.requestId, (queue.idsInFlight.get(d.requestId) ?? 0) + 1);
      queue.inFlight++;
      let commit: Promise<DebitResult[]>;
      try {
        commit = this.send(queue, instanceId, debits);
      } catch (error) {
        // Deciding threw (an event too large to publish, say): these callers get the error, and the
        // queue goes on serving the rest; thrown here it would end the process from a microtask.
        commit = Promise.reject(error);
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
          for (const d of debits) {
            const n = queue.idsInFlight.get(d.requestId)! - 1;
            if (n === 0) queue.idsInFlight.delete(d.requestId);
            else queue.idsInFlight.set(d.requestId, n);
          }
          queue.inFlight--;
          this.pump(instanceId, queue);
        });
    }
  }

  /** Sends one batch by the path its pool allows: alone, pipelined behind the batch in flight, or under the lock. */
  private send(queue: InstanceQueue, instanceId: string, debits: DebitRequest[]): Promise<DebitResult[]> {
    const prepared = queue.expected && this.writer.prepareDebits(queue.expected, debits);
    if (prepared && queue.inFlight === 1) {
      // Alone: nothing to overlap with, so no claim order either; one statement does it all.
      queue.expected = prepared.state;
      return this.alone(queue, instanceId, prepared, debits);
    }
    if (prepared) {
      const before = queue.last;
      const order: ClaimOrder = { lane: queue.lane, ticket: queue.nextTicket, after: before?.ticket };
      queue.nextTicket = (queue.nextTicket + 1) | 0;
      let placed!: () => void;
      const mine = { ticket: order.ticket, placed: new Promise<void>((resolve) => (placed = resolve)) };
      queue.last = mine;
      queue.expected = prepared.state;
      return this.pipelined(queue, instanceId, prepared, debits, order, before?.placed, placed).finally(() => {
        if (queue.last === mine) queue.last = undefined;
      });
    }
    return this.locked(queue, instanceId, debits);
  }

  /**
   * Up to `limit` debits, in arrival order, skipping calls that repeat a request id already in a
   * batch in flight: those wait for that batch to end (and then answer as duplicates). Otherwise a
   * later batch could insert the id first and hold an earlier batch's insert, while waiting in this
   * process for that earlier batch: a deadlock PostgreSQL cannot see.
   */
  private takeBatch(queue: InstanceQueue, limit: number): Waiting[] {
    const batch: Waiting[] = [];
    const held: Waiting[] = [];
    let size = 0;
    while (queue.waiting.length > 0 && (batch.length === 0 || size + queue.waiting[0].debits.length <= limit)) {
      const next = queue.waiting.shift()!;
      if (next.debits.some((d) => queue.idsInFlight.has(d.requestId))) held.push(next);
      else {
        batch.push(next);
        size += next.debits.length;
      }
    }
    queue.waiting.unshift(...held);
    return batch;
  }

  /**
   * Writes the batch's rows; once its predecessor holds its place in the claim order (so the claim
   * cannot overtake it), sends the claim, which PostgreSQL holds until the predecessor has ended.
   */
  private async pipelined(
    queue: InstanceQueue,
    instanceId: string,
    prepared: PreparedDebits,
    debits: DebitRequest[],
    order: ClaimOrder,
    predecessorPlaced: Promise<void> | undefined,
    placed: () => void,
  ): Promise<DebitResult[]> {
    let transaction;
    try {
      transaction = await prepared.write(order);
    } finally {
      placed(); // written, refused or failed: either way its successor need not wait for the write
    }
    let ok = false;
    if (transaction) {
      try {
        await predecessorPlaced;
        ok = await transaction.claim();
      } finally {
        await (ok ? transaction.commit() : transaction.rollback());
      }
    }
    if (!ok) return this.locked(queue, instanceId, debits);
    this.count('pipelined');
    return prepared.result;
  }

  private async alone(queue: InstanceQueue, instanceId: string, prepared: PreparedDebits, debits: DebitRequest[]): Promise<DebitResult[]> {
    if (!(await prepared.commitAlone())) return this.locked(queue, instanceId, debits);
    this.count('single');
    return prepared.result;
  }

  private count(path: keyof DebitQueue['committed']): void {
    this.committed[path]++;
    batchesCommitted.inc({ path });
  }

  /**
   * Decides the batch under the row lock on committed state. Until it has, the queue stops guessing
   * (nothing is pipelined): whoever calls this either had no guess or found it wrong.
   */
  private async locked(queue: InstanceQueue, instanceId: string, debits: DebitRequest[]): Promise<DebitResult[]> {
    queue.expected = undefined;
    const written = await this.writer.execute(
      instanceId,
      async (state, em, now) => {
        const known = await readCharges(em, instanceId, debits.map((d) => d.requestId));
        return decideDebits(state, debits, known, now);
      },
      correlationOf(debits),
    );
    this.count('locked');
    if (queue.inFlight <= 1) queue.expected = written.state;
    return written.result;
  }
}

/** A stable 32-bit lane per pool for the advisory locks (FNV-1a of the instance id). */
function laneOf(instanceId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < instanceId.length; i++) hash = Math.imul(hash ^ instanceId.charCodeAt(i), 0x01000193);
  return hash | 0;
}
