/**
 * What a debit costs by the size of the batch it travels in: CPU microseconds per debit of every
 * process (the credits service, PostgreSQL, Kafka...), calling `POST /debits/batch` of a running
 * platform straight, two calls in flight as the gateway keeps them. It shows how much of a metered
 * request's cost is the call and its commit (paid once per batch) and how much the debit itself
 * (its ledger row, event, outbox row and message). Run with
 *   npx tsx bench/credits-batch-cost.bench.ts      (BENCH_SIZES=1,5,20,80,320, BENCH_SECONDS=8)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { PRINCIPAL_HEADER, PrincipalTokens } from '@tollgate/auth';
import { startBenchPlatform, runBench } from './bench-platform';
import { cpuSecondsByGroup, platformProcesses } from './processes';

const SIZES = (process.env.BENCH_SIZES ?? '1,5,20,80,320').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const IN_FLIGHT = 2;

runBench(async () => {
  const platform = await startBenchPlatform('credits-batch', 18500);
  const pool = new Pool(platform.urls.credits, { connections: IN_FLIGHT });
  try {
    const instanceId = `bench${randomBytes(3).toString('hex')}`;
    const created = await fetch(`${platform.gatewayUrl}/api/v1/operator/instances`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.secrets.OPERATOR_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: instanceId, name: 'Bench', dailyCredits: 1_000_000_000, timezone: 'UTC' }),
    });
    if (created.status !== 201) throw new Error(`instance: ${created.status} ${await created.text()}`);
    const token = await new PrincipalTokens(platform.secrets.INTERNAL_SECRET, 3600).sign({ instanceId, kind: 'system', scopes: [] });
    const groups = platformProcesses(platform.distDir);

    /** Sends batches of `size` from IN_FLIGHT callers for `ms`; answers the debits charged. */
    const run = async (size: number, ms: number): Promise<number> => {
      let debits = 0;
      const until = Date.now() + ms;
      const caller = async () => {
        while (Date.now() < until) {
          const batch = Array.from({ length: size }, () => ({ requestId: randomUUID(), cost: 1, entities: ['items'], keyId: 'bench' }));
          const res = await pool.request({
            method: 'POST',
            path: '/debits/batch',
            headers: { [PRINCIPAL_HEADER]: token, 'content-type': 'application/json' },
            body: JSON.stringify({ debits: batch }),
          });
          await res.body.text();
          if (res.statusCode !== 200) throw new Error(`debits: ${res.statusCode}`);
          debits += size;
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, caller));
      return debits;
    };

    const names = Object.keys(groups);
    console.log(`\nCPU µs per debit by batch size, ${IN_FLIGHT} calls in flight, ${SECONDS} s each`);
    console.log(`${'batch'.padStart(5)} ${'debits/s'.padStart(9)} ${names.map((n) => n.slice(0, 8).padStart(8)).join(' ')}    total`);
    for (const size of SIZES) {
      await run(size, 2000); // warm-up
      const before = cpuSecondsByGroup(platformProcesses(platform.distDir));
      const started = performance.now();
      const debits = await run(size, SECONDS * 1000);
      const seconds = (performance.now() - started) / 1000;
      const after = cpuSecondsByGroup(platformProcesses(platform.distDir));
      const perDebit = names.map((n) => ((after[n] - before[n]) * 1e6) / debits);
      console.log(
        `${String(size).padStart(5)} ${(debits / seconds).toFixed(0).padStart(9)} ${perDebit.map((us) => us.toFixed(0).padStart(8)).join(' ')} ${perDebit
          .reduce((a, b) => a + b, 0)
          .toFixed(0)
          .padStart(8)}`,
      );
    }
  } finally {
    await pool.close();
    await platform.stop({ dropDatabases: true });
  }
});
