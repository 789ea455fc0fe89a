/**
 * Debit throughput and latency: the credits service's group-commit engine against a naive
 * single-row `UPDATE … WHERE balance >= n` plus a ledger insert, on the same PostgreSQL, at 64 and
 * 256 concurrent clients; then the whole path the gateway takes (coalesced HTTP calls to a credits
 * process). Each run also oversubscribes a pool 3x and counts overspend. The designs take turns,
 * BENCH_ROUNDS times (3), and the round with the median throughput is printed, since a shared
 * 2-core machine varies by a third from one run to the next. Each run first warms up for
 * BENCH_WARMUP_MS (1000; fresh connections, compilation), unmeasured. The engine runs in this
 * process with the credits service's runtime flags. Run with
 *   npx tsx bench/credits-debits.bench.ts
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { ALL_TOPICS, type DebitResult } from '@tollgate/contracts';
import { EventStore } from '@tollgate/event-sourcing';
import { createTestDatabase, type TestDatabase } from '@tollgate/testing';
import { decideChangePlan } from '../apps/credits/src/credit-accounts/credit-account.decider';
import { CreditAccountWriter } from '../apps/credits/src/credit-accounts/credit-account.writer';
import { CreditLedgerProjection } from '../apps/credits/src/credit-accounts/credit-ledger.projection';
import { DebitQueue } from '../apps/credits/src/credit-accounts/debit-queue';
import { SystemClock } from '../apps/credits/src/clock';
import { creditsMigrations } from '../apps/credits/src/migrations';
import { INTERNAL_SECRET } from '../apps/credits/src/testing/credits-app.fixture';
import { freePort, SpawnedCredits } from '../apps/credits/src/testing/spawned-credits.fixture';
import { gatewayMetering } from '../apps/gateway/src/metering/metering.fixture';
import { ensureTopics, resolveKafka } from '../tools/kafka/local-kafka';
import { SERVICE_NODE_FLAGS } from '../tools/platform/launch-platform';
import { runBench } from './bench-platform';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
/** Each design runs this many times, interleaved with the others; the median round is printed. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARM_UP_MS = Number(process.env.BENCH_WARMUP_MS ?? 1000);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** One debit: true when charged, false when refused for lack of credits. */
type Debit = (instanceId: string, requestId: string) => Promise<boolean>;

interface Figures {
  perSecond: number;
  p50: number;
  p99: number;
}

async function throughput(debit: Debit, instanceId: string, clients: number): Promise<Figures> {
  const latencies: number[] = [];
  const started = performance.now() + WARM_UP_MS;
  const until = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        if (!(await debit(instanceId, randomUUID()))) throw new Error('pool ran dry during the throughput run');
        if (t >= started) latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** 3x more debits than credits, all at once: successes beyond the allowance are overspend. */
async function overspend(debit: Debit, instanceId: string, allowance: number, clients: number): Promise<number> {
  let successes = 0;
  let left = allowance * 3;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (left-- > 0) if (await debit(instanceId, randomUUID())) successes++;
    }),
  );
  return successes - allowance;
}

interface Design {
  name: string;
  debit: Debit;
  createPool(instanceId: string, allowance: number): Promise<void>;
  remaining(instanceId: string): Promise<number>;
}

function naiveDesign(pool: Pool): Design {
  return {
    name: 'naive single row',
    createPool: async (id, allowance) => {
      await pool.query(`INSERT INTO naive_balance VALUES ($1, $2)`, [id, allowance]);
    },
    remaining: async (id) => (await pool.query(`SELECT balance FROM naive_balance WHERE instance_id = $1`, [id])).rows[0].balance,
    debit: async (instanceId, requestId) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const updated = await client.query(`UPDATE naive_balance SET balance = balance - 1 WHERE instance_id = $1 AND balance >= 1`, [
          instanceId,
        ]);
        if (updated.rowCount === 1) {
          await client.query(`INSERT INTO naive_ledger (request_id, instance_id, cost) VALUES ($1, $2, 1)`, [requestId, instanceId]);
        }
        await client.query('COMMIT');
        return updated.rowCount === 1;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

function groupCommitDesign(db: TestDatabase): Design {
  const clock = new SystemClock();
  const writer = new CreditAccountWriter(db.dataSource, new EventStore(), new CreditLedgerProjection(), clock);
  const queue = new DebitQueue(writer);
  return {
    name: 'group commit (engine)',
    createPool: async (id, allowance) => {
      await writer.execute(id, (s, _em, now) => decideChangePlan(s, { dailyCredits: allowance, timezone: 'UTC' }, now));
    },
    remaining: async (id) => (await db.dataSource.query(`SELECT remaining FROM credit_accounts WHERE instance_id = $1`, [id]))[0].remaining,
    debit: async (instanceId, requestId) => {
      const [result] = await queue.debit(instanceId, [{ requestId, cost: 1, entities: ['actions'] }]);
      return result.outcome === 'charged';
    },
  };
}

function gatewayPathDesign(db: TestDatabase, creditsUrl: string): Design & { close(): Promise<void> } {
  const engine = groupCommitDesign(db);
  const everyService = { keys: creditsUrl, credits: creditsUrl, query: creditsUrl, flows: creditsUrl };
  const { clients, batcher } = gatewayMetering(everyService, INTERNAL_SECRET, { DOWNSTREAM_TIMEOUT_MS: 10_000, CREDITS_DEBIT_TIMEOUT_MS: 10_000 });
  return {
    name: 'gateway -> HTTP -> credits',
    createPool: engine.createPool,
    remaining: engine.remaining,
    debit: async (instanceId, requestId) => {
      const result: DebitResult = (await batcher.debit(instanceId, { requestId, cost: 1, entities: ['actions'] })) as DebitResult;
      return result.outcome === 'charged';
    },
    close: () => clients.onApplicationShutdown(),
  };
}

async function measure(design: Design, clients: number) {
  const hot = `bench-${randomUUID()}`;
  await design.createPool(hot, 1_000_000_000);
  const figures = await throughput(design.debit, hot, clients);
  const small = `bench-${randomUUID()}`;
  const allowance = 2000;
  await design.createPool(small, allowance);
  const over = await overspend(design.debit, small, allowance, clients);
  const left = await design.remaining(small);
  return { ...figures, overspend: over, remaining: left };
}

const row = (name: string, clients: number, f: Figures & { overspend: number; remaining: number }) =>
  `${name.padEnd(28)} ${String(clients).padStart(7)} ${Math.round(f.perSecond).toString().padStart(10)} ${f.p50
    .toFixed(2)
    .padStart(9)} ${f.p99.toFixed(2).padStart(9)} ${String(f.overspend).padStart(9)} ${String(f.remaining).padStart(9)}`;

async function main() {
  const flags = SERVICE_NODE_FLAGS.credits;
  if (!flags.every((f) => process.execArgv.includes(f))) {
    const run = spawnSync(process.execPath, [...process.execArgv, ...flags, ...process.argv.slice(1)], { stdio: 'inherit' });
    process.exit(run.status ?? 1);
  }
  const kafka = await resolveKafka();
  await ensureTopics(kafka.brokers, ALL_TOPICS.map((topic) => ({ topic })));
  process.env.KAFKA_BROKERS = kafka.brokers;
  const db = await createTestDatabase(creditsMigrations, 'bench_credits');
  await db.dataSource.query(`CREATE TABLE naive_balance (instance_id text PRIMARY KEY, balance integer NOT NULL CHECK (balance >= 0))`);
  await db.dataSource.query(
    `CREATE TABLE naive_ledger (request_id text PRIMARY KEY, instance_id text NOT NULL, cost integer NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
  );
  const naivePool = new Pool({ connectionString: db.url, max: 32 });
  const credits = new SpawnedCredits(db.url, await freePort(), path.join(os.tmpdir(), `credits-bench-${process.pid}.log`));
  await credits.start();
  const gatewayPath = gatewayPathDesign(db, credits.url);

  console.log(`credits debits, ${SECONDS} s per run, median of ${ROUNDS} rounds, ${os.cpus().length} cores, cost 1 per debit`);
  console.log('design                       clients  debits/s   p50 ms    p99 ms overspend remaining');
  const results: Record<string, Record<number, Figures>> = {};
  try {
    const designs = [naiveDesign(naivePool), groupCommitDesign(db), gatewayPath];
    for (const clients of [64, 256]) {
      const rounds = new Map<string, (Figures & { overspend: number; remaining: number })[]>();
      for (let round = 0; round < ROUNDS; round++) {
        for (const design of designs) rounds.set(design.name, [...(rounds.get(design.name) ?? []), await measure(design, clients)]);
      }
      for (const design of designs) {
        const all = rounds.get(design.name)!;
        const median = [...all].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(all.length / 2)];
        // Overspend is a guarantee, not a statistic: the worst round counts.
        const f = { ...median, overspend: Math.max(...all.map((r) => r.overspend)), remaining: Math.max(...all.map((r) => r.remaining)) };
        (results[design.name] ??= {})[clients] = f;
        console.log(row(design.name, clients, f));
      }
    }
    for (const clients of [64, 256]) {
      const naive = results['naive single row'][clients].perSecond;
      console.log(
        `ratio at ${clients} clients: engine ${(results['group commit (engine)'][clients].perSecond / naive).toFixed(1)}x, ` +
          `gateway path ${(results['gateway -> HTTP -> credits'][clients].perSecond / naive).toFixed(1)}x the naive design`,
      );
    }
  } finally {
    await gatewayPath.close();
    await credits.stop();
    await naivePool.end();
    await db.drop();
    await kafka.stop();
  }
}

runBench(main);
