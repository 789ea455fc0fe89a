import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { api, e2ePlatform, eventually, testBrokers } from '@tollgate/testing';

jest.setTimeout(90_000);

/**
 * A gateway of this file's own, beside the shared platform's services, whose flows service is a
 * socket that accepts connections and never answers: a hung process, which the shared platform
 * cannot be made into.
 */
const REPO = path.resolve(__dirname, '..', '..');
const DIST = process.env.E2E_DIST_DIR ?? path.join(REPO, 'dist');
const GATEWAY_URL = `http://127.0.0.1:${Number(process.env.E2E_BASE_PORT ?? 18080) + 30}`;

describe('the gateway\'s /health while a service hangs', () => {
  const platform = e2ePlatform();
  let hung: Server;
  const sockets: Socket[] = [];
  let gateway: ChildProcess;

  beforeAll(async () => {
    hung = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const log = fs.openSync(path.join(REPO, '.data', `e2e-health-gateway-${new URL(GATEWAY_URL).port}.log`), 'a');
    gateway = spawn(process.execPath, [path.join(DIST, 'apps', 'gateway', 'src', 'main.js')], {
      env: {
        ...process.env,
        PORT: new URL(GATEWAY_URL).port,
        HOST: '127.0.0.1',
        KAFKA_BROKERS: testBrokers().join(','),
        INTERNAL_SECRET: platform.internalSecret,
        OPERATOR_TOKEN: platform.operatorToken,
        KEYS_URL: platform.urls.keys,
        CREDITS_URL: platform.urls.credits,
        QUERY_URL: platform.urls.query,
        FLOWS_URL: `http://127.0.0.1:${(hung.address() as AddressInfo).port}`,
        LOG_LEVEL: 'warn',
        TOLLGATE_PARENT_PID: String(process.pid),
      },
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    await eventually(async () => expect((await fetch(`${GATEWAY_URL}/health/ready`)).status).toBe(200), { timeoutMs: 60_000, intervalMs: 200 });
  });

  afterAll(async () => {
    if (gateway && gateway.exitCode === null) {
      await new Promise<void>((resolve) => {
        gateway.once('exit', () => resolve());
        gateway.kill('SIGTERM');
      });
    }
    sockets.forEach((s) => s.destroy());
    await new Promise((resolve) => hung?.close(resolve));
  });

  it('answers 503 within its bound, naming the silent service, every service in the same order and shape', async () => {
    const started = Date.now();
    const res = await api('GET', `${GATEWAY_URL}/health`);
    expect(Date.now() - started).toBeLessThan(4500);
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('degraded');
    expect(Object.keys(res.body.services)).toEqual(['keys', 'credits', 'query', 'flows', 'gateway']);
    expect(res.body.services.flows).toEqual({ status: 'down', message: 'no answer within 3000 ms' });
    for (const s of ['keys', 'credits', 'query']) {
      expect(res.body.services[s]).toEqual({ status: 'up', details: expect.objectContaining({ database: { status: 'up' } }) });
    }
    expect(res.body.services.gateway).toEqual({ status: 'up', details: { kafka: { status: 'up' } } });
  });
});
