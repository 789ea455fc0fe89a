/**
 * Query throughput and export. Starts the whole platform (built into .data/bench-dist), loads
 * 1,000,000 records, then measures with wrk when it is installed (Debian package `wrk`), autocannon
 * otherwise (64 connections; BENCH_CLIENT=autocannon forces it):
 *   - a metered 1-entity `limit=10` query through the gateway (key check, credit debit, forward);
 *   - the same query sent straight to the query service (signed principal, no metering);
 *   - through nginx as a plain reverse proxy in front of the query service, when nginx is installed;
 *   - through the barest Node.js proxy (bench/node-proxy.ts: Fastify and undici, as the gateway, but
 *     nothing else), which shows what a Node.js hop costs by itself on this machine;
 * and, first, an export of the 1,000,000 rows as CSV, through the gateway and straight from the
 * query service, downloaded by curl when it is installed (node:http otherwise, or with
 * BENCH_CLIENT=node): rows/s and peak RSS of every process involved. Each rate run also prints the CPU time
 * every process spent per request, which shows where a request's cost goes, and a bare Node HTTP
 * server's rate as the machine's yardstick. Run with
 *   npx tsx bench/query-throughput.bench.ts        (BENCH_SECONDS, BENCH_ROWS, BENCH_PORT to change;
 *                                                  BENCH_ONLY=export or BENCH_ONLY=rate for one part;
 *                                                  BENCH_ROUNDS=N for the median of N metered/direct pairs)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { PRINCIPAL_HEADER, PrincipalTokens } from '@tollgate/auth';
import type { RunningPlatform } from '../tools/platform/launch-platform';
import { startBenchPlatform, runBench } from './bench-platform';
import { childrenOf, commandOf, cpuSecondsByGroup, platformProcesses, rssOf, servicePids } from './processes';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const BASE_PORT = Number(process.env.BENCH_PORT ?? 18450);
/** BENCH_ONLY=export skips the request-rate runs; BENCH_ONLY=rate skips the exports. */
const ONLY_EXPORT = process.env.BENCH_ONLY === 'export';
const ONLY_RATE = process.env.BENCH_ONLY === 'rate';
/** BENCH_ROUNDS=N runs the metered and direct pair N times and reports the pair with the median ratio. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const ROOT = path.resolve(__dirname, '..');

async function json(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<any> {
  const res = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function setUpInstance(platform: RunningPlatform): Promise<{ instanceId: string; key: string }> {
  const gw = platform.gatewayUrl;
  const operator = { authorization: `Bearer ${platform.secrets.OPERATOR_TOKEN}` };
  const instanceId = `bench${randomBytes(3).toString('hex')}`;
  await json(`${gw}/api/v1/operator/instances`, { method: 'POST', headers: operator, body: { id: instanceId, name: 'Bench', dailyCredits: 1_000_000_000, timezone: 'UTC' } });
  const password = randomBytes(12).toString('base64url');
  const email = `admin@${instanceId}.test`;
  await json(`${gw}/api/v1/operator/instances/${instanceId}/users`, {
    method: 'POST',
    headers: operator,
    body: { email, name: 'Admin', password, roles: { users: 'admin', query: 'admin' } },
  });
  const { token } = await json(`${gw}/api/v1/auth/login`, { method: 'POST', body: { instance: instanceId, email, password } });
  const issued = await json(`${gw}/api/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: { kind: 'organization', description: 'bench', scopes: ['query', 'ingest'] },
  });
  return { instanceId, key: issued.key };
}

async function load(platform: RunningPlatform, instanceId: string, key: string): Promise<void> {
  await json(`${platform.gatewayUrl}/api/v1/entities`, {
    method: 'POST',
    headers: { 'x-api-key': key },
    body: { name: 'items', primaryKey: 'id', fields: [{ name: 'status', type: 'string' }, { name: 'amount', type: 'number' }, { name: 'due', type: 'date' }] },
  });
  // The batch API is exercised by the tests; a million rows go in by SQL to keep the set-up short.
  const pg = new Client({ connectionString: platform.databaseUrls.query });
  await pg.connect();
  await pg.query(
    `INSERT INTO records (instance_id, entity, pk, id, title, created_at, updated_at, fields)
     SELECT $1, 'items', 'i' || g, 'i' || g, 'Item ' || g || ', "quoted" <&>', now() - (g || ' seconds')::interval, now(),
            jsonb_build_object('status', (ARRAY['open','done','late'])[1 + g % 3], 'amount', g % 1000, 'due', '2026-03-01')
       FROM generate_series(1, $2::int) g`,
    [instanceId, ROWS],
  );
  await pg.query(`INSERT INTO entity_counts (instance_id, entity, record_count) VALUES ($1, 'items', $2)`, [instanceId, ROWS]);
  // Measure a steady state: without this, autovacuum and the checkpoint that the load triggers
  // compete with the runs below.
  await pg.query('VACUUM ANALYZE records');
  await pg.query('CHECKPOINT');
  await pg.end();
}

interface Run {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU milliseconds per request, by process group. */
  cpu: Record<string, number>;
}

/** Whether a command is on the PATH (the Debian packages the bench uses when they are there). */
const installed = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

const WRK = process.env.BENCH_CLIENT !== 'autocannon' && installed('wrk');

async function loadWithAutocannon(url: string, headers: Record<string, string>, seconds: number): Promise<Omit<Run, 'name' | 'cpu'>> {
  const r = await autocannon({ url, connections: 64, duration: seconds, headers });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.non2xx + r.errors + r.timeouts };
}

/** wrk is asynchronous C: it leaves the two cores to the processes under test. */
async function loadWithWrk(url: string, headers: Record<string, string>, seconds: number): Promise<Omit<Run, 'name' | 'cpu'>> {
  const args = ['-t1', '-c64', `-d${seconds}s`, '--latency', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), url];
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await new Promise((resolve) => child.once('exit', resolve));
  const ms = (label: string) => {
    const m = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    if (!m) throw new Error(`wrk printed no ${label}th percentile:\n${out}`);
    return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2] as 'us' | 'ms' | 's'];
  };
  const count = (re: RegExp) => Number(re.exec(out)?.[1] ?? 0);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p50: ms('50'),
    p99: ms('99'),
    errors: count(/Non-2xx or 3xx responses: (\d+)/) + count(/Socket errors: connect (\d+)/),
  };
}

/** The processes under test (wrk's own CPU is not counted: it has exited by the time it could be read). */
function processGroups(distDir: string, client: 'wrk' | 'autocannon'): Record<string, number[]> {
  const groups = platformProcesses(distDir);
  if (client === 'autocannon') groups.autocannon = [process.pid];
  return groups;
}

async function cannon(platform: RunningPlatform, name: string, url: string, headers: Record<string, string>): Promise<Run> {
  const run = WRK ? loadWithWrk : loadWithAutocannon;
  await run(url, headers, 5); // warm-up: the hot path is compiled and pools are full before measuring
  const measured = run(url, headers, SECONDS);
  await new Promise((r) => setTimeout(r, 100)); // wrk has started
  const groups = () => processGroups(platform.distDir, WRK ? 'wrk' : 'autocannon');
  const before = cpuSecondsByGroup(groups());
  const result = await measured;
  const after = cpuSecondsByGroup(groups());
  const requests = result.rps * SECONDS;
  const cpu = Object.fromEntries(Object.keys(before).map((g) => [g, ((after[g] - before[g]) * 1000) / requests]));
  return { name, ...result, cpu };
}

/**
 * The machine's own yardstick: a bare Node HTTP server (one process, a fixed small JSON answer)
 * under the same client and connections. Rates from two machines compare through it, where the
 * absolute figures do not (the same code has run at a quarter of its usual rate on a slower host).
 */
async function bareNodeRate(port: number): Promise<number> {
  const server = spawn(
    process.execPath,
    ['-e', `require('node:http').createServer((q, s) => s.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[]}')).listen(${port}, '127.0.0.1', () => console.log('up'))`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout!.once('data', () => resolve());
      server.once('exit', (code) => reject(new Error(`the reference server exited (${code})`)));
    });
    const run = WRK ? loadWithWrk : loadWithAutocannon;
    await run(`http://127.0.0.1:${port}/`, {}, 3);
    return (await run(`http://127.0.0.1:${port}/`, {}, SECONDS)).rps;
  } finally {
    server.kill('SIGKILL');
  }
}

/** bench/node-proxy.ts on `port`, forwarding to `upstream`; resolves once it listens. */
async function startNodeProxy(upstream: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'node-proxy.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), UPSTREAM: upstream },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the node proxy exited (${code})`)));
  });
  return child;
}

function startNginx(upstreamPort: number, port: number): ChildProcess | undefined {
  if (!installed('nginx')) return undefined;
  const dir = path.join(ROOT, '.data', 'bench-nginx');
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/logs/error.log;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path ${dir}; proxy_temp_path ${dir};
  upstream q { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server { listen 127.0.0.1:${port}; location / { proxy_pass http://q; proxy_http_version 1.1; proxy_set_header Connection ""; } } }`,
  );
  return spawn('nginx', ['-c', conf, '-p', dir], { stdio: 'ignore' });
}

const CURL = process.env.BENCH_CLIENT !== 'node' && installed('curl');

/**
 * Downloads one export and samples every process's RSS meanwhile. With curl piped into wc (both C),
 * the downloader leaves the two cores to what it measures, as wrk does for the rates. Without curl
 * (or with BENCH_CLIENT=node), node:http counts the lines as they come, which takes a share of the
 * cores itself.
 */
async function exportCsv(platform: RunningPlatform, url: string, headers: Record<string, string>) {
  const pids: Record<string, number> = { ...servicePids(platform.distDir) };
  const peak: Record<string, number> = {};
  const before: Record<string, number> = {};
  const sample = () => {
    for (const [name, pid] of Object.entries(pids)) {
      const rss = rssOf(pid);
      before[name] ??= rss;
      peak[name] = Math.max(peak[name] ?? 0, rss);
    }
  };
  sample();
  const timer = setInterval(sample, 50);
  const started = performance.now();
  const download = CURL ? downloadWithCurl(url, headers, (pid) => (pids.curl = pid)) : downloadWithNode(url, headers, () => (pids['bench client'] = process.pid));
  const { status, lines, bytes } = await download;
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  // Titles hold no newline here, so lines = header + rows.
  return { status, rows: lines - 1, bytes, seconds, before, peak };
}

/** curl -f fails on an error status; wc counts what it wrote, in a pipe, so no disk is involved. */
async function downloadWithCurl(url: string, headers: Record<string, string>, started: (pid: number) => void) {
  const quoted = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  const curl = ['curl', '-sf', ...Object.entries(headers).flatMap(([k, v]) => ['-H', quoted(`${k}: ${v}`)]), quoted(url)].join(' ');
  const child = spawn('bash', ['-c', `set -o pipefail; ${curl} | wc -lc`], { stdio: ['ignore', 'pipe', 'inherit'] });
  void (async () => {
    // Its RSS is curl's, a child of the shell, once the shell has started the pipeline.
    for (let tries = 0; tries < 50; tries++) {
      const pid = childrenOf(child.pid!).find((p) => commandOf(p) === 'curl');
      if (pid) return started(pid);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const [lines, bytes] = out.trim().split(/\s+/).map(Number);
  return { status: code === 0 ? 200 : 0, lines, bytes };
}

/** node:http, not fetch: fetch's web streams cost three times the CPU. indexOf searches natively. */
function downloadWithNode(url: string, headers: Record<string, string>, started: () => void) {
  started();
  let lines = 0;
  let bytes = 0;
  return new Promise<{ status: number; lines: number; bytes: number }>((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
        });
        res.once('end', () => resolve({ status: res.statusCode ?? 0, lines, bytes }));
        res.once('error', reject);
      })
      .once('error', reject);
  });
}

async function main(): Promise<void> {
  const platform = await startBenchPlatform('query', BASE_PORT);
  let nginx: ChildProcess | undefined;
  let nodeProxy: ChildProcess | undefined;
  try {
    const { instanceId, key } = await setUpInstance(platform);
    console.log(`loading ${ROWS.toLocaleString()} records …`);
    await load(platform, instanceId, key);

    const tokens = new PrincipalTokens(platform.secrets.INTERNAL_SECRET, 3600);
    const signed = await tokens.sign({ instanceId, kind: 'organization', keyId: 'bench', scopes: ['query'] });
    // The exports run first, on processes no load phase has grown: their peak RSS is the export's own.
    const exports: { name: string; url: string; headers: Record<string, string> }[] = [
      { name: 'through the gateway', url: `${platform.gatewayUrl}/api/v1/entities/items.csv`, headers: { 'x-api-key': key } },
      { name: 'straight from the query service', url: `${platform.urls.query}/api/v1/entities/items.csv`, headers: { [PRINCIPAL_HEADER]: signed } },
    ];
    for (const e of ONLY_RATE ? [] : exports) {
      // Twice: the first export of a fresh process runs cold (measured: the gateway's first million
      // rows went at about 60 % of the rate of its second), the second as a gateway that has served
      // exports before runs. Both rates are printed, and the peak RSS over both.
      const cold = await exportCsv(platform, e.url, e.headers);
      const warm = await exportCsv(platform, e.url, e.headers);
      const rate = (x: typeof warm) => `${(x.rows / x.seconds).toFixed(0)} rows/s in ${x.seconds.toFixed(2)} s`;
      console.log(`\nCSV export ${e.name} (${CURL ? 'curl' : 'node:http'} downloading): HTTP ${cold.status} then ${warm.status}, ${warm.rows.toLocaleString()} rows, ${(warm.bytes / 1e6).toFixed(1)} MB`);
      console.log(`  first export (a fresh process): ${rate(cold)}; second: ${rate(warm)}`);
      console.log(`  peak RSS over both (and RSS as the first began):`);
      console.log(`  ${Object.entries(cold.peak).map(([n, b]) => `${n} ${(Math.max(b, warm.peak[n] ?? 0) / 1e6).toFixed(0)} MB (${(cold.before[n] / 1e6).toFixed(0)})`).join(', ')}`);
    }
    if (!ONLY_EXPORT) {
      const path10 = '/api/v1/query?entities=items&limit=10';
      const metered = () => cannon(platform, 'gateway (metered)', `${platform.gatewayUrl}${path10}`, { 'x-api-key': key });
      const straight = () => cannon(platform, 'query service direct', `${platform.urls.query}${path10}`, { [PRINCIPAL_HEADER]: signed });
      const runs: Run[] = [];
      if (ROUNDS > 1) {
        // A machine shared with other work moves both figures within minutes; pairs run back to back
        // and the median pair is what the table shows.
        const pairs: [Run, Run][] = [];
        for (let round = 1; round <= ROUNDS; round++) {
          const pair: [Run, Run] = [await metered(), await straight()];
          console.log(`round ${round}: metered ${pair[0].rps.toFixed(0)} req/s, direct ${pair[1].rps.toFixed(0)} req/s, ratio ${(pair[0].rps / pair[1].rps).toFixed(2)}`);
          pairs.push(pair);
        }
        pairs.sort((a, b) => a[0].rps / a[1].rps - b[0].rps / b[1].rps);
        runs.push(...pairs[Math.floor((pairs.length - 1) / 2)]);
      } else {
        runs.push(await metered(), await straight());
      }
      nginx = startNginx(BASE_PORT + 3, BASE_PORT + 9);
      if (nginx) {
        await new Promise((r) => setTimeout(r, 500));
        runs.push(await cannon(platform, 'nginx -> query service', `http://127.0.0.1:${BASE_PORT + 9}${path10}`, { [PRINCIPAL_HEADER]: signed }));
      }
      nodeProxy = await startNodeProxy(platform.urls.query, BASE_PORT + 11);
      runs.push(await cannon(platform, 'node proxy -> query', `http://127.0.0.1:${BASE_PORT + 11}${path10}`, { [PRINCIPAL_HEADER]: signed }));
      const direct = runs[1].rps;
      console.log(`\n1-entity limit=10 query, 64 connections, ${SECONDS} s each (${ROWS.toLocaleString()} records in the table)`);
      console.log('path                       req/s     p50 ms  p99 ms  errors  vs direct');
      for (const r of runs) {
        console.log(
          `${r.name.padEnd(26)} ${r.rps.toFixed(0).padStart(7)} ${String(r.p50).padStart(9)} ${String(r.p99).padStart(7)} ${String(r.errors).padStart(7)}  ${(r.rps / direct).toFixed(2)}`,
        );
      }
      console.log(`\nCPU ms per request, by process (${WRK ? 'wrk' : 'autocannon'} as the client)`);
      const groups = Object.keys(runs[0].cpu);
      console.log(`${'path'.padEnd(26)} ${groups.map((g) => g.slice(0, 9).padStart(9)).join(' ')}     total`);
      for (const r of runs) {
        const total = groups.reduce((sum, g) => sum + r.cpu[g], 0);
        console.log(`${r.name.padEnd(26)} ${groups.map((g) => r.cpu[g].toFixed(2).padStart(9)).join(' ')} ${total.toFixed(2).padStart(9)}`);
      }
      if (!nginx) console.log('(nginx not installed: `apt-get install -y nginx` adds the reverse-proxy baseline)');
      const reference = await bareNodeRate(BASE_PORT + 10);
      console.log(`\nThis machine's yardstick: a bare Node HTTP server answers ${reference.toFixed(0)} req/s under the same load;`);
      console.log(`the metered query runs at ${((runs[0].rps / reference) * 100).toFixed(1)}% of that, the direct one at ${((direct / reference) * 100).toFixed(1)}%.`);
      const rss = Object.entries(servicePids(platform.distDir)).map(([name, pid]) => `${name} ${(rssOf(pid) / 1e6).toFixed(0)} MB`);
      console.log(`\nRSS after the runs (V8 keeps the heap a load grew for a while): ${rss.join(', ')}`);
    }
  } finally {
    nginx?.kill('SIGTERM');
    nodeProxy?.kill('SIGTERM');
    await platform.stop({ dropDatabases: true });
  }
}

runBench(main);
