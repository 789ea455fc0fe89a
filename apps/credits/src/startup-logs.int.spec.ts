import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { createTestDatabase, eventually, testBrokers } from '@tollgate/testing';
import { creditsMigrations } from './migrations';
import { INTERNAL_SECRET } from './testing/credits-app.fixture';
import { freePort } from './testing/spawned-credits.fixture';

jest.setTimeout(60_000);

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** The credits service from its sources, as its own process; what it prints, line by line. */
function startCredits(env: Record<string, string>) {
  const lines: string[] = [];
  let pending = '';
  const child = spawn(process.execPath, ['-r', path.join(__dirname, 'testing', 'swc-register.cjs'), path.join(__dirname, 'main.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, KAFKA_BROKERS: testBrokers().join(','), INTERNAL_SECRET, HOST: '127.0.0.1', LOG_LEVEL: 'warn', RESET_SCAN_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer) => {
    const parts = (pending + chunk.toString()).split('\n');
    pending = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { lines, exited, stop: () => child.kill('SIGKILL') };
}

const parsed = (line: string) => {
  try {
    return JSON.parse(line) as { level: number; msg?: string; err?: { message?: string } };
  } catch {
    return { notJson: line };
  }
};

describe('what a service logs when it cannot start (credits, from its sources)', () => {
  it('logs each attempt to reach an unreachable database as it happens, as JSON', async () => {
    const closed = await freePort();
    const service = startCredits({ PORT: String(await freePort()), DATABASE_URL: `postgres://postgres@127.0.0.1:${closed}/credits` });
    try {
      await eventually(() => expect(service.lines.filter((l) => l.includes('Unable to connect to the database')).length).toBeGreaterThanOrEqual(2), {
        timeoutMs: 15_000,
      });
      const entries = service.lines.map(parsed);
      expect(entries.filter((e) => 'notJson' in e)).toEqual([]);
      expect(entries).toContainEqual(expect.objectContaining({ level: 50, err: expect.objectContaining({ message: 'Unable to connect to the database. Retrying (1)...' }) }));
    } finally {
      service.stop();
    }
  });

  it('says in one JSON line that its port is taken, and exits', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    const db = await createTestDatabase(creditsMigrations, 'credits_start');
    const service = startCredits({ PORT: String(port), DATABASE_URL: db.url });
    try {
      expect(await service.exited).toBe(1);
      const entries = service.lines.map(parsed);
      expect(entries.filter((e) => 'notJson' in e)).toEqual([]);
      expect(entries).toContainEqual(expect.objectContaining({ level: 60, msg: `credits could not start: listen EADDRINUSE: address already in use 127.0.0.1:${port}` }));
    } finally {
      service.stop();
      await new Promise((resolve) => taken.close(resolve));
      await db.drop();
    }
  });
});
