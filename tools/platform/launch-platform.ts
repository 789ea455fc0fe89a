import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALL_TOPICS } from '../../libs/contracts/src/topics';
import { DATABASE_SERVICES, dropServiceDatabase, migrateService, serviceDatabaseUrl } from '../db/databases';
import { ensureTopics, resolveKafka } from '../kafka/local-kafka';
import { resolvePostgres } from '../db/local-postgres';
import { assertPortsFree } from './free-ports';
import { resolveSecrets, type PlatformSecrets } from './secrets';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const SERVICES = ['keys', 'credits', 'query', 'flows', 'gateway'] as const;
export type PlatformService = (typeof SERVICES)[number];

/** Service ports are the gateway's port + 1..4, in this order. */
const OFFSET: Record<PlatformService, number> = { gateway: 0, keys: 1, credits: 2, query: 3, flows: 4 };

export interface PlatformOptions {
  /** The gateway's port; the services take the next four. Default 8080. */
  basePort?: number;
  /** Database name prefix: `<prefix>_<service>`. Default `tollgate`. */
  databasePrefix?: string;
  /** Drop the databases first (test runs). */
  freshDatabases?: boolean;
  logDir?: string;
  /** Where the built services are. Default `dist`. */
  distDir?: string;
  /** Extra environment for every service. */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  /** Keep generated secrets in this file and use them again next time (see resolveSecrets). */
  secretsFile?: string;
  /**
   * Stack traces point into the TypeScript sources (node --enable-source-maps). Default true. The
   * loaded maps cost each service about 15 MB of heap, so benchmarks turn them off and run the
   * services as docker-compose.yml does.
   */
  sourceMaps?: boolean;
}

export interface RunningPlatform {
  gatewayUrl: string;
  urls: Record<PlatformService, string>;
  secrets: PlatformSecrets;
  generatedSecrets: string[];
  /** Where generated secrets are kept between starts, when they are. */
  secretsFile?: string;
  brokers: string;
  /** The PostgreSQL server (its maintenance database) and whether this launch started it, embedded. */
  postgres: { url: string; embedded: boolean };
  databaseUrls: Record<string, string>;
  logDir: string;
  /** The build the services run from. */
  distDir: string;
  /** Environment each service was started with (secrets included). */
  envFor(service: PlatformService): Record<string, string>;
  /** Stops one service (SIGTERM, or SIGKILL when `kill` is set) and starts it again. */
  restart(service: PlatformService, options?: { kill?: boolean }): Promise<void>;
  stopService(service: PlatformService, options?: { kill?: boolean }): Promise<void>;
  startService(service: PlatformService): Promise<void>;
  stop(options?: { dropDatabases?: boolean }): Promise<void>;
}

/**
 * Waits until the service answers ready. When it exits first, the error quotes the end of what this
 * start wrote to its log (from `logOffset`), not the end of a file older runs appended to.
 */
export async function waitReady(url: string, child: ChildProcess, timeoutMs: number, logFile: string, logOffset = 0): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const tail = fs.readFileSync(logFile).subarray(logOffset).toString('utf8').trimEnd().split('\n').slice(-15).join('\n');
      throw new Error(`${url} exited with code ${child.exitCode} before it was ready:\n${tail}`);
    }
    try {
      const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} was not ready within ${timeoutMs} ms (log: ${logFile})`);
}

function terminate(child: ChildProcess, kill: boolean, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), kill ? 0 : graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(kill ? 'SIGKILL' : 'SIGTERM');
  });
}

/**
 * Brings up the whole platform from the built `dist/`: Kafka (given, running, or started),
 * PostgreSQL (given, local, or embedded), the databases with their migrations, and the five services, each waited on until ready.
 */
export async function launchPlatform(options: PlatformOptions = {}): Promise<RunningPlatform> {
  const basePort = options.basePort ?? 8080;
  const prefix = options.databasePrefix ?? 'tollgate';
  const logDir = options.logDir ?? path.join(REPO_ROOT, '.data', 'logs');
  const distDir = options.distDir ?? path.join(REPO_ROOT, 'dist');
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const host = process.env.HOST ?? '127.0.0.1';
  await assertPortsFree(host, Object.fromEntries(SERVICES.map((s) => [s, basePort + OFFSET[s]])));
  fs.mkdirSync(logDir, { recursive: true });

  const kafka = await resolveKafka();
  await ensureTopics(kafka.brokers, ALL_TOPICS.map((topic) => ({ topic })));
  // Before the database URLs are made: an embedded server, when one is started, sets DATABASE_URL.
  const postgres = await resolvePostgres();

  const databaseUrls: Record<string, string> = {};
  for (const service of DATABASE_SERVICES) {
    databaseUrls[service] = serviceDatabaseUrl(service, prefix);
    if (options.freshDatabases) await dropServiceDatabase(databaseUrls[service]);
    await migrateService(service, databaseUrls[service]);
  }

  const { secrets, generated } = resolveSecrets(process.env, options.secretsFile);
  const urls = Object.fromEntries(SERVICES.map((s) => [s, `http://127.0.0.1:${basePort + OFFSET[s]}`])) as Record<
    PlatformService,
    string
  >;

  const envFor = (service: PlatformService): Record<string, string> => ({
    ...withoutSecrets(process.env as Record<string, string>),
    ...secretsOf(service, secrets),
    ...options.env,
    KAFKA_BROKERS: kafka.brokers,
    PORT: String(basePort + OFFSET[service]),
    HOST: host,
    TOLLGATE_PARENT_PID: String(process.pid),
    KEYS_URL: urls.keys,
    CREDITS_URL: urls.credits,
    QUERY_URL: urls.query,
    FLOWS_URL: urls.flows,
    GATEWAY_URL: urls.gateway,
    ...(service !== 'gateway' ? { DATABASE_URL: databaseUrls[service] } : {}),
  });

  const children = new Map<PlatformService, ChildProcess>();
  const startService = async (service: PlatformService) => {
    const logFile = path.join(logDir, `${service}.log`);
    const out = fs.openSync(logFile, 'a');
    const logOffset = fs.fstatSync(out).size;
    const flags = [...(options.sourceMaps === false ? [] : ['--enable-source-maps']), ...SERVICE_NODE_FLAGS[service], ...nodeArgs()];
    const child = spawn(process.execPath, [...flags, path.join(distDir, 'apps', service, 'src', 'main.js')], {
      env: envFor(service),
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    children.set(service, child);
    await waitReady(urls[service], child, readyTimeoutMs, logFile, logOffset);
  };
  const stopService = async (service: PlatformService, o: { kill?: boolean } = {}) => {
    const child = children.get(service);
    if (child) await terminate(child, o.kill ?? false);
    children.delete(service);
  };

  const exitHandler = () => {
    for (const child of children.values()) child.kill('SIGKILL');
  };
  process.on('exit', exitHandler);

  try {
    // Services first, the gateway last: it is ready only when it can reach them.
    await Promise.all(DATABASE_SERVICES.map((s) => startService(s)));
    await startService('gateway');
  } catch (error) {
    await Promise.all([...children.keys()].map((s) => stopService(s, { kill: true })));
    await kafka.stop();
    await postgres.stop();
    throw error;
  }

  return {
    gatewayUrl: urls.gateway,
    urls,
    secrets,
    generatedSecrets: generated,
    ...(options.secretsFile ? { secretsFile: options.secretsFile } : {}),
    brokers: kafka.brokers,
    postgres: { url: postgres.url, embedded: postgres.started },
    databaseUrls,
    logDir,
    distDir,
    envFor,
    startService,
    stopService,
    restart: async (service, o) => {
      await stopService(service, o);
      await startService(service);
    },
    stop: async (o = {}) => {
      await stopService('gateway'); // first, so no new work reaches the services
      await Promise.all(DATABASE_SERVICES.map((s) => stopService(s)));
      process.off('exit', exitHandler);
      await kafka.stop();
      if (o.dropDatabases) for (const url of Object.values(databaseUrls)) await dropServiceDatabase(url);
      await postgres.stop();
    },
  };
}

/**
 * Each service is given the secrets it uses, no more: a service that is broken into then holds
 * only its own (flows, which runs tenants' expressions, neither the key pepper nor the operator
 * token). INTERNAL_SECRET signs the principal every service checks.
 */
const SECRETS_OF: Record<PlatformService, (keyof PlatformSecrets)[]> = {
  gateway: ['INTERNAL_SECRET', 'OPERATOR_TOKEN'],
  keys: ['INTERNAL_SECRET', 'KEY_PEPPER'],
  credits: ['INTERNAL_SECRET'],
  query: ['INTERNAL_SECRET'],
  flows: ['INTERNAL_SECRET'],
};

export const secretsOf = (service: PlatformService, secrets: PlatformSecrets): Partial<PlatformSecrets> =>
  Object.fromEntries(SECRETS_OF[service].map((name) => [name, secrets[name]]));

/**
 * The launcher's environment without the secrets and the database URLs (a server's, or another
 * service's: credentials too), which may be set there and are handed out by service.
 */
const withoutSecrets = (env: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter(([name]) => !SECRET_NAMES.has(name) && !/(^|_)DATABASE_URL$/.test(name)));

const SECRET_NAMES = new Set<string>(Object.values(SECRETS_OF).flat());

/**
 * Runtime flags per service. The credits service's debit path allocates a little per batch, many
 * times a second: a larger young generation means fewer, shorter collections and a lower tail
 * (measured with bench/credits-debits.bench.ts, which runs its engine with the same flag).
 */
export const SERVICE_NODE_FLAGS: Record<PlatformService, string[]> = {
  gateway: [],
  keys: [],
  credits: ['--max-semi-space-size=16'],
  query: [],
  flows: [],
};

/** Extra node flags for every service, e.g. TOLLGATE_NODE_ARGS="--cpu-prof --cpu-prof-dir=.data/prof" to profile a run. */
function nodeArgs(): string[] {
  return (process.env.TOLLGATE_NODE_ARGS ?? '').split(' ').filter(Boolean);
}
