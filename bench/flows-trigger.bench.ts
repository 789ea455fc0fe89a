/**
 * Flow trigger figures through the gateway: sync trigger of a trivial flow at 64 connections
 * (req/s, p50, p99), then async trigger-to-success latency (p50, p99) measured by polling.
 * Starts its own platform (fresh databases) on BENCH_BASE_PORT (default 18450). Run with
 *   npx tsx bench/flows-trigger.bench.ts
 */
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { startBenchPlatform, runBench } from './bench-platform';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const BASE_PORT = Number(process.env.BENCH_BASE_PORT ?? 18450);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function json(method: string, url: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(url, { method, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function main() {
  // One instance at 64 connections: allowed as many runs at once, so that the figures are of runs,
  // not of 429s past the per-instance share (FLOWS_RUNS_PER_INSTANCE, 32 by default).
  const platform = await startBenchPlatform('flows', BASE_PORT, { FLOWS_RUNS_PER_INSTANCE: '64' });
  try {
    const gw = platform.gatewayUrl;
    const op = { authorization: `Bearer ${platform.secrets.OPERATOR_TOKEN}` };
    const instanceId = `bench${randomBytes(3).toString('hex')}`;
    await json('POST', `${gw}/api/v1/operator/instances`, op, { id: instanceId, name: 'Bench', dailyCredits: 1000, timezone: 'UTC' });
    const password = randomBytes(9).toString('base64url');
    await json('POST', `${gw}/api/v1/operator/instances/${instanceId}/users`, op, { email: `admin@${instanceId}.test`, name: 'Admin', password, roles: { users: 'admin' } });
    const { token } = await json('POST', `${gw}/api/v1/auth/login`, {}, { instance: instanceId, email: `admin@${instanceId}.test`, password });
    const { key } = await json('POST', `${gw}/api/v1/keys`, { authorization: `Bearer ${token}` }, { kind: 'organization', description: 'bench', scopes: ['flows'] });
    const headers = { 'x-api-key': key };
    await json('POST', `${gw}/api/v1/flows`, headers, { app: 'Bench', name: 'Trivial', mode: 'sync', steps: [{ type: 'output', name: 'ok', from: '[$input.body.n]' }] });
    await json('POST', `${gw}/api/v1/flows`, headers, { app: 'Bench', name: 'Trivial async', mode: 'async', steps: [{ type: 'output', name: 'ok', from: '[$input.body.n]' }] });

    const result = await autocannon({
      url: `${gw}/api/1/action/Bench/Trivial/trigger`,
      method: 'POST',
      connections: 64,
      duration: SECONDS,
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ n: 1 }),
    });
    const non2xx = result.non2xx + result.errors + result.timeouts;
    console.log(`sync trigger, 64 connections, ${SECONDS}s: ${result.requests.average.toFixed(0)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx/errors ${non2xx}`);

    const latencies: number[] = [];
    const total = Number(process.env.BENCH_ASYNC_RUNS ?? 300);
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next++ < total) {
          const t0 = performance.now();
          const { processId } = await json('POST', `${gw}/api/1/action/Bench/Trivial%20async/trigger`, headers, { n: next });
          for (;;) {
            const poll = await json('GET', `${gw}/api/1/action/Bench/Trivial%20async/poll/${processId}`, headers);
            if (poll.status === 'success') break;
            if (poll.status !== 'running') throw new Error(`async run ended ${poll.status}`);
            await new Promise((r) => setTimeout(r, 2));
          }
          latencies.push(performance.now() - t0);
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    console.log(`async trigger-to-success (8 callers, ${latencies.length} runs, polled every 2 ms): p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`);
  } finally {
    await platform.stop({ dropDatabases: true });
  }
}

runBench(main);
