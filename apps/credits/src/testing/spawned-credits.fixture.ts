import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { testBrokers } from '@tollgate/testing';
import { INTERNAL_SECRET } from './credits-app.fixture';

const APP_ROOT = path.resolve(__dirname, '..', '..');
const REPO_ROOT = path.resolve(APP_ROOT, '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The credits service as its own OS process (from its sources), so a test can kill -9 it. */
export class SpawnedCredits {
  private child?: ChildProcess;
  readonly url: string;

  constructor(
    private readonly databaseUrl: string,
    private readonly port: number,
    private readonly logFile: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    const out = fs.openSync(this.logFile, 'a');
    this.child = spawn(process.execPath, ['--max-semi-space-size=16', '-r', path.join(__dirname, 'swc-register.cjs'), path.join(APP_ROOT, 'src', 'main.ts')], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        DATABASE_URL: this.databaseUrl,
        KAFKA_BROKERS: testBrokers().join(','),
        INTERNAL_SECRET,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        OUTBOX_POLL_MS: '200',
        RESET_SCAN_MS: '0',
        TOLLGATE_PARENT_PID: String(process.pid),
      },
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`credits exited early (${this.child.exitCode}); see ${this.logFile}`);
      try {
        if ((await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(1000) })).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`credits not ready within ${timeoutMs} ms; see ${this.logFile}`);
  }

  /** SIGKILL: no shutdown hook runs, open transactions die with the connection. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}
