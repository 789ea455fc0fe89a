import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { TOPICS, type EventEnvelope } from '@tollgate/contracts';
import { api, collectMessages, e2ePlatform, eventually, spawnOwnGateway, stopOwnGateway, testBrokers } from '@tollgate/testing';
import { createInstance, type TestInstance } from '../identity/identity-e2e.fixture';

jest.setTimeout(90_000);

/**
 * A gateway of this file's own, beside the shared platform's services, so the test can cut it off
 * from keys and stop it while a console follows the live balance: an event stream, which never
 * ends by itself. Keys is reached through a relay the test can cut.
 */
const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const PORT = Number(process.env.E2E_BASE_PORT ?? 18080) + 32;
const GATEWAY_URL = `http://127.0.0.1:${PORT}`;
const LOG = path.join(REPO, '.data', `e2e-stream-own-gateway-${PORT}.log`);

/** Passes connections on to keys until cut: then it drops the open ones and refuses new ones. */
async function keysRelay(): Promise<{ url: string; cut(on: boolean): void; close(): Promise<void> }> {
  const target = new URL(e2ePlatform().urls.keys);
  const open = new Set<Socket>();
  let cut = false;
  const server: Server = createServer((socket) => {
    if (cut) return void socket.destroy();
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [socket, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => undefined);
    }
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut(on) {
      cut = on;
      if (on) open.forEach((s) => s.destroy());
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const startGateway = (keysUrl: string) =>
  spawnOwnGateway(PORT, path.basename(LOG), {
    KEYS_URL: keysUrl,
    // A console's credential is checked again every second.
    AUTH_CACHE_TTL_MS: '1000',
    // Key use is reported only at the flush on shutdown.
    KEY_USAGE_FLUSH_MS: '600000',
  }).process;

async function openStream(key: string) {
  const stream = await fetch(`${GATEWAY_URL}/api/v1/credits/stream`, { headers: { 'x-api-key': key } });
  expect(stream.status).toBe(200);
  const reader = stream.body!.getReader();
  let seen = '';
  while (!seen.includes('event: balance')) seen += new TextDecoder().decode((await reader.read()).value);
  return { requestId: stream.headers.get('x-request-id')!, reader };
}

describe('a gateway with a console following the live balance', () => {
  let t: TestInstance;
  let gateway: ChildProcess | undefined;
  let keys: Awaited<ReturnType<typeof keysRelay>>;
  beforeAll(async () => {
    t = await createInstance();
    keys = await keysRelay();
    gateway = startGateway(keys.url);
    await eventually(async () => expect((await fetch(`${GATEWAY_URL}/health/ready`)).status).toBe(200), { timeoutMs: 60_000, intervalMs: 200 });
  });
  afterAll(async () => {
    if (gateway?.exitCode === null) gateway.kill('SIGKILL');
    await keys?.close();
  });

  it('names the stream’s request when it cannot check the stream’s credential again', async () => {
    const { requestId, reader } = await openStream(t.orgKey);
    const logged = fs.statSync(LOG).size;
    keys.cut(true);
    try {
      const line = await eventually(() => {
        const lines = fs.readFileSync(LOG).subarray(logged).toString('utf8').split('\n').filter((l) => l.includes('credential recheck failed'));
        expect(lines.length).toBeGreaterThan(0);
        return JSON.parse(lines[0]);
      }, { timeoutMs: 10_000 });
      expect(line).toMatchObject({ level: 40, requestId });
    } finally {
      keys.cut(false);
      await reader.cancel();
    }
  });

  it('ends the stream, finishes its shutdown work (key usage reported) and exits 0 at once', async () => {
    const kafka = await collectMessages(testBrokers(), [TOPICS.keys]);
    try {
      const { reader } = await openStream(t.orgKey);
      const streamEnded = (async () => {
        while (!(await reader.read().catch(() => ({ done: true }))).done);
      })();
      expect((await api('GET', `${GATEWAY_URL}/api/v1/credits`, { headers: { 'x-api-key': t.orgKey } })).status).toBe(200);
      // Open long enough for the gateway to check the key again (every second here): its own
      // checks are not uses of the key.
      await new Promise((resolve) => setTimeout(resolve, 2500));

      const { exitCode, ms } = await stopOwnGateway(gateway!);
      expect({ exitCode, quick: ms < 5000 }).toEqual({ exitCode: 0, quick: true });
      await streamEnded;

      const used = await eventually(() => {
        const found = kafka.messages.map((m) => JSON.parse(m.value) as EventEnvelope).filter((e) => e.instanceId === t.instanceId && e.type === 'KeyUsed');
        expect(found).toHaveLength(1);
        return found;
      });
      expect(used[0].data).toMatchObject({ count: 3 }); // both streams and the balance read
    } finally {
      await kafka.stop();
    }
  });
});
