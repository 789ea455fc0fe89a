import { randomUUID } from 'node:crypto';
import { EventStore, peekOutbox } from '@tollgate/event-sourcing';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import type { DebitResult } from '@tollgate/contracts';
import { SystemClock } from '../clock';
import { TestClock } from '../testing/credits-app.fixture';
import { creditsMigrations } from '../migrations';
import { LedgerAuditor } from './audit/ledger-audit';
import { decideChangePlan, decideRefund } from './credit-account.decider';
import { CreditAccountWriter } from './credit-account.writer';
import { CreditLedgerProjection } from './credit-ledger.projection';
import { DebitQueue } from './debit-queue';

jest.setTimeout(60_000);

/**
 * The pipelined group commit decides each batch on the pool it expects; these tests make that guess
 * wrong on purpose (a second process on the same pool, plan changes and refunds in between) and
 * check that the ledger stays exact anyway.
 */
describe('debit queue (real PostgreSQL)', () => {
  let db: TestDatabase;
  let writer: CreditAccountWriter;

  beforeAll(async () => {
    db = await createTestDatabase(creditsMigrations, 'debit_queue');
    writer = new CreditAccountWriter(db.dataSource, new EventStore(), new CreditLedgerProjection(), new SystemClock());
  });
  afterAll(() => db?.drop());

  const open = (instanceId: string, dailyCredits: number) =>
    writer.execute(instanceId, (s, _em, now) => decideChangePlan(s, { dailyCredits, timezone: 'UTC' }, now));
  const charge = (queue: DebitQueue, instanceId: string, requestId: string = randomUUID()) =>
    queue.debit(instanceId, [{ requestId, cost: 1, entities: ['actions'] }]).then(([result]) => result);
  const remaining = async (instanceId: string) =>
    (await db.dataSource.query(`SELECT remaining FROM credit_accounts WHERE instance_id = $1`, [instanceId]))[0].remaining as number;
  const stream = async (instanceId: string) =>
    (await db.dataSource.query(`SELECT version, type FROM events WHERE stream_id = $1 ORDER BY position`, [`credits-${instanceId}`])) as {
      version: number;
      type: string;
    }[];
  const outboxSequences = async (instanceId: string) =>
    (await peekOutbox(db.dataSource, 1_000_000))
      .filter((m) => m.key === `credits-${instanceId}`)
      .map((m) => (JSON.parse(m.value) as { sequence: number }).sequence);

  /** Many clients, each charging one credit at a time until its share is spent. */
  async function load(queues: DebitQueue[], instanceId: string, clients: number, perClient: number): Promise<DebitResult[]> {
    const results: DebitResult[] = [];
    await Promise.all(
      Array.from({ length: clients }, async (_, i) => {
        for (let n = 0; n < perClient; n++) results.push(await charge(queues[i % queues.length], instanceId));
      }),
    );
    return results;
  }

  it('two processes racing on one pool, 3x oversubscribed: exactly the allowance, a gapless stream in order', async () => {
    const id = `pool-${randomUUID()}`;
    await open(id, 1000);
    const processes = [new DebitQueue(writer), new DebitQueue(writer)];
    const results = await load(processes, id, 64, 47);

    expect(results.filter((r) => r.outcome === 'charged')).toHaveLength(1000);
    expect(results.filter((r) => r.outcome === 'exhausted')).toHaveLength(64 * 47 - 1000);
    expect(await remaining(id)).toBe(0);
    const events = await stream(id);
    expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === 'CreditsConsumed')).toHaveLength(1000);
    expect(await outboxSequences(id)).toEqual(events.map((e) => e.version));
    expect(await new LedgerAuditor(db.dataSource).audit(id)).toMatchObject({ consumed: 1000, remaining: 0, balanced: true });
  });

  it('stays exact when plan changes and refunds move the pool under batches in flight', async () => {
    const id = `pool-${randomUUID()}`;
    await open(id, 100_000);
    const queue = new DebitQueue(writer);
    // Calm first: the queue learns the pool. 96 clients: one batch alone (one statement) and one
    // pipelined beside it, each round.
    await load([queue], id, 96, 2);
    expect(queue.committed.single).toBeGreaterThan(0);
    expect(queue.committed.pipelined).toBeGreaterThan(0);
    const lockedBefore = queue.committed.locked;

    const refundable: string[] = [];
    let stop = false;
    const interfere = (async () => {
      for (let round = 0; !stop; round++) {
        await writer.execute(id, (s, _em, now) => decideChangePlan(s, { dailyCredits: 100_000 + (round % 2), timezone: 'UTC' }, now));
        const requestId = refundable.shift();
        if (requestId) {
          await writer.execute(id, (s, _em, now) => decideRefund(s, { cost: 1, day: s.day, refunded: false, closed: false }, requestId, now));
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const results = await Promise.all(
      Array.from({ length: 96 }, async () => {
        const mine: DebitResult[] = [];
        for (let n = 0; n < 20; n++) {
          const result = await charge(queue, id);
          if (n % 10 === 0) refundable.push(result.requestId);
          mine.push(result);
        }
        return mine;
      }),
    );
    stop = true;
    await interfere;

    expect(results.flat().every((r) => r.outcome === 'charged')).toBe(true);
    const events = await stream(id);
    expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
    expect(await outboxSequences(id)).toEqual(events.map((e) => e.version));
    const audit = await new LedgerAuditor(db.dataSource).audit(id);
    expect(audit).toMatchObject({ consumed: 96 * 2 + 96 * 20, consumedEvents: 96 * 2 + 96 * 20, balanced: true });
    expect(audit.snapshotRemaining).toBe(audit.expectedRemaining);
    expect(queue.committed.locked).toBeGreaterThan(lockedBefore); // the interference forced batches back under the lock
  });

  it('charges a request id once when it comes back in the next batch while the first is in flight', async () => {
    const id = `pool-${randomUUID()}`;
    await open(id, 10_000);
    const queue = new DebitQueue(writer);
    await charge(queue, id); // the queue now knows the pool and pipelines
    // Each round, 100 waiting debits leave as two batches of 50 written side by side, and five ids
    // are in both halves. (Before calls repeating an id in flight were held back, this could hang.)
    for (let round = 0; round < 5; round++) {
      const repeated = Array.from({ length: 5 }, () => randomUUID());
      const answers = await Promise.all([
        ...repeated.map((r) => charge(queue, id, r)),
        ...Array.from({ length: 90 }, () => charge(queue, id)),
        ...repeated.map((r) => charge(queue, id, r)),
      ]);
      for (const r of repeated) {
        expect(answers.filter((a) => a.requestId === r).map((a) => a.outcome).sort()).toEqual(['charged', 'duplicate']);
      }
    }
    expect(await remaining(id)).toBe(10_000 - 1 - 5 * 95);
    expect((await stream(id)).filter((e) => e.type === 'CreditsConsumed')).toHaveLength(1 + 5 * 95);
    expect(queue.committed.single).toBeGreaterThan(0);
    expect(queue.committed.pipelined).toBeGreaterThan(0);
  });

  it('answers a request id charged before as a duplicate when it comes back alone, and charges nothing', async () => {
    const id = `pool-${randomUUID()}`;
    await open(id, 100);
    const queue = new DebitQueue(writer);
    const first = await charge(queue, id);
    await charge(queue, id); // the queue now expects the pool and sends batches as one statement
    const singleBefore = queue.committed.single;
    // Decided as a fresh charge on the expected pool; the ledger refuses the id, nothing is written,
    // and the batch is decided again under the lock.
    expect(await charge(queue, id, first.requestId)).toMatchObject({ requestId: first.requestId, outcome: 'duplicate' });
    expect(queue.committed.single).toBe(singleBefore);
    expect(await remaining(id)).toBe(98);
    expect((await stream(id)).filter((e) => e.type === 'CreditsConsumed')).toHaveLength(2);
    expect(await charge(queue, id)).toMatchObject({ outcome: 'charged', remaining: 97 });
  });

  it('decides a batch again when its pool resets between deciding and claiming, rather than charge the day before', async () => {
    const clock = new TestClock(new Date('2026-06-01T23:59:59.900Z'));
    const late = new CreditAccountWriter(db.dataSource, new EventStore(), new CreditLedgerProjection(), clock);
    const instanceId = `midnight-${randomUUID()}`;
    const { state } = await late.execute(instanceId, (s, _em, now) => decideChangePlan(s, { dailyCredits: 5, timezone: 'UTC' }, now));
    const prepared = late.prepareDebits(state, [{ requestId: 'r1', cost: 1, entities: ['actions'] }])!;
    const transaction = (await prepared.write({ lane: 7, ticket: 1 }))!;
    clock.set('2026-06-02T00:00:00.100Z');
    const claimed = await transaction.claim();
    await (claimed ? transaction.commit() : transaction.rollback());
    expect(claimed).toBe(false);
    expect(await db.dataSource.query(`SELECT day FROM credit_charges WHERE instance_id = $1`, [instanceId])).toEqual([]);
    // Alone, in one statement, the same: decided before midnight, sent after it.
    clock.set('2026-06-01T23:59:59.900Z');
    const alone = late.prepareDebits(state, [{ requestId: 'r2', cost: 1, entities: ['actions'] }])!;
    clock.set('2026-06-02T00:00:00.100Z');
    expect(await alone.commitAlone()).toBe(false);
    expect(await db.dataSource.query(`SELECT day FROM credit_charges WHERE instance_id = $1`, [instanceId])).toEqual([]);
  });
});
