import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { eventually } from './eventually';
import { testBrokers } from './kafka';
import { e2ePlatform } from './platform';

const REPO = path.resolve(__dirname, '..', '..', '..');

/**
 * A gateway process of a test file's own, built like the shared platform's and reaching its
 * services, for what cannot be done to the shared gateway: stopping it, or pointing one of its
 * downstream URLs at something the test controls. `env` adds to or overrides its configuration
 * (a `KEYS_URL` through a relay, a short `SHUTDOWN_GRACE_MS`). Its log goes to `.data/<logName>`.
 */
export function spawnOwnGateway(port: number, logName: string, env: Record<string, string> = {}): { process: ChildProcess; url: string; log: string } {
  const platform = e2ePlatform();
  const dist = process.env.E2E_DIST_DIR ?? path.join(REPO, 'dist');
  const log = path.join(REPO, '.data', logName);
  const out = fs.openSync(log, 'a');
  const child = spawn(process.execPath, [path.join(dist, 'apps', 'gateway', 'src', 'main.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      KAFKA_BROKERS: testBrokers().join(','),
      INTERNAL_SECRET: platform.internalSecret,
      OPERATOR_TOKEN: platform.operatorToken,
      KEYS_URL: platform.urls.keys,
      CREDITS_URL: platform.urls.credits,
      QUERY_URL: platform.urls.query,
      FLOWS_URL: platform.urls.flows,
      LOG_LEVEL: 'warn',
      // It ends with the test run, even one that is killed.
      TOLLGATE_PARENT_PID: String(process.pid),
      ...env,
    },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  return { process: child, url: `http://127.0.0.1:${port}`, log };
}

/** Waits until such a gateway answers its liveness check: it starts in seconds, a minute at most on a busy machine. */
export async function ownGatewayLive(gateway: { url: string }): Promise<void> {
  await eventually(
    async () => {
      const status = (await fetch(`${gateway.url}/health/live`)).status;
      if (status !== 200) throw new Error(`the gateway answers ${status} to /health/live`);
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}

/** Stops such a gateway as an orchestrator would (SIGTERM): its exit code, and how long it took to exit. */
export function stopOwnGateway(gateway: ChildProcess): Promise<{ exitCode: number | null; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    gateway.once('exit', (exitCode) => resolve({ exitCode, ms: Date.now() - started }));
    gateway.kill('SIGTERM');
  });
}
