import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TOPICS, type EventEnvelope } from '@tollgate/contracts';
import { api, collectMessages, e2ePlatform, eventually, testBrokers } from '@tollgate/testing';
import { createInstance, type TestInstance } from '../identity/identity-e2e.fixture';

jest.setTimeout(90_000);

/**
 * A gateway of this file's own, beside the shared platform's services, so the test can stop it
 * while a console follows the live balance: an event stream, which never ends by itself.
 */
const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const DIST = process.env.E2E_DIST_DIR ?? path.join(REPO, 'dist');
const PORT = Number(process.env.E2E_BASE_PORT ?? 18080) + 32;
const GATEWAY_URL = `http://127.0.0.1:${PORT}`;

function startGateway(): ChildProcess {
  const platform = e2ePlatform();
  const log = fs.openSync(path.join(REPO, '.data', `e2e-stream-shutdown-gateway-${PORT}.log`), 'a');
  const gateway = spawn(process.execPath, [path.join(DIST, 'apps', 'gateway', 'src', 'main.js')], {
    env: {
      ...process.env,
      PORT: String(PORT),
      HOST: '127.0.0.1',
      KAFKA_BROKERS: testBrokers().join(','),
      INTERNAL_SECRET: platform.internalSecret,
      OPERATOR_TOKEN: platform.operatorToken,
      KEYS_URL: platform.urls.keys,
      CREDITS_URL: platform.urls.credits,
      QUERY_URL: platform.urls.query,
      FLOWS_URL: platform.urls.flows,
      // Key use is reported only at the flush on shutdown.
      KEY_USAGE_FLUSH_MS: '600000',
      LOG_LEVEL: 'warn',
      TOLLGATE_PARENT_PID: String(process.pid),
    },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  return gateway;
}

describe('stopping a gateway while a console follows the live balance', () => {
  let t: TestInstance;
  let gateway: ChildProcess | undefined;
  beforeAll(async () => {
    t = await createInstance();
    gateway = startGateway();
    await eventually(async () => expect((await fetch(`${GATEWAY_URL}/health/ready`)).status).toBe(200), { timeoutMs: 60_000, intervalMs: 200 });
  });
  afterAll(() => {
    if (gateway?.exitCode === null) gateway.kill('SIGKILL');
  });

  it('ends the stream, finishes its shutdown work (key usage reported) and exits 0 at once', async () => {
    const kafka = await collectMessages(testBrokers(), [TOPICS.keys]);
    try {
      const stream = await fetch(`${GATEWAY_URL}/api/v1/credits/stream`, { headers: { 'x-api-key': t.orgKey } });
      expect(stream.status).toBe(200);
      const reader = stream.body!.getReader();
      let seen = '';
      while (!seen.includes('event: balance')) seen += new TextDecoder().decode((await reader.read()).value);
      const streamEnded = (async () => {
        while (!(await reader.read().catch(() => ({ done: true }))).done);
      })();
      expect((await api('GET', `${GATEWAY_URL}/api/v1/credits`, { headers: { 'x-api-key': t.orgKey } })).status).toBe(200);

      const started = Date.now();
      const exitCode = await new Promise<number | null>((resolve) => {
        gateway!.once('exit', (code) => resolve(code));
        gateway!.kill('SIGTERM');
      });
      expect({ exitCode, quick: Date.now() - started < 5000 }).toEqual({ exitCode: 0, quick: true });
      await streamEnded;

      const used = await eventually(() => {
        const found = kafka.messages.map((m) => JSON.parse(m.value) as EventEnvelope).filter((e) => e.instanceId === t.instanceId && e.type === 'KeyUsed');
        expect(found).toHaveLength(1);
        return found;
      });
      expect(used[0].data).toMatchObject({ count: 2 });
    } finally {
      await kafka.stop();
    }
  });
});
