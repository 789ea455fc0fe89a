import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { freePort, sleep } from '../kafka/process-helpers';

// A machine without a PostgreSQL server: the tools start an embedded one. Run through the CLI, in
// child processes, as `npm run db` and `npm start` run it (the package is an ES module, which the
// test sandbox cannot import).
jest.setTimeout(120_000);

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

describe('embedded PostgreSQL (no server given, none local)', () => {
  const dataDir = path.join(REPO_ROOT, '.data', `pg-embedded-test-${process.pid}`, 'cluster');
  let port: number;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    port = await freePort();
    const { DATABASE_URL: _given, ...rest } = process.env;
    env = { ...rest, TOLLGATE_POSTGRES: 'embedded', TOLLGATE_EMBEDDED_POSTGRES_DIR: dataDir, TOLLGATE_EMBEDDED_POSTGRES_PORT: String(port) };
  });

  afterAll(() => fs.rmSync(path.dirname(dataDir), { recursive: true, force: true }));

  const url = (database: string) => `postgres://postgres:postgres@127.0.0.1:${port}/${database}`;

  function run(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
    const child = spawn(TSX, [path.join(REPO_ROOT, 'tools', 'db', 'cli.ts'), ...args], { cwd: REPO_ROOT, env });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    return { child, output: () => out, exited: new Promise((resolve) => child.once('exit', resolve)) };
  }

  async function tables(database: string): Promise<string[]> {
    const client = new Client({ connectionString: url(database) });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
      return rows.map((r) => r.name);
    } finally {
      await client.end();
    }
  }

  it('creates a cluster, the service databases and their tables, and stops it again', async () => {
    const migrate = run(['migrate']);
    expect(await migrate.exited).toBe(0);
    expect(migrate.output()).toMatch(/keys: created, applied/);
    expect(migrate.output()).toMatch(/flows: created, applied/);
    expect(fs.existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
    // The server it started is gone with it.
    await expect(tables('tollgate_keys')).rejects.toThrow();
  });

  it('keeps what was written across a restart of the server', async () => {
    const server = run(['embedded']);
    const deadline = Date.now() + 60_000;
    while (!/PostgreSQL ready/.test(server.output())) {
      if (Date.now() > deadline) throw new Error(`no ready line: ${server.output()}`);
      await sleep(100);
    }
    try {
      const keysTables = await tables('tollgate_keys');
      expect(keysTables).toEqual(expect.arrayContaining(['api_keys', 'events', 'outbox']));
      // Applied once: a second migrate against the running server finds nothing to do.
      const again = run(['migrate']);
      expect(await again.exited).toBe(0);
      expect(again.output()).toMatch(/keys: up to date/);
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
    expect(server.output()).toMatch(/PostgreSQL stopped/);
  });
});
