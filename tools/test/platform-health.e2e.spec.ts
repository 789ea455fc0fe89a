import type { ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { api, e2ePlatform, eventually, spawnOwnGateway } from '@tollgate/testing';

jest.setTimeout(90_000);

/**
 * A gateway of this file's own, beside the shared platform's services, whose flows service is a
 * socket that accepts connections and never answers: a hung process, which the shared platform
 * cannot be made into.
 */
const GATEWAY_URL = `http://127.0.0.1:${Number(process.env.E2E_BASE_PORT ?? 18080) + 30}`;

describe('the gateway\'s /health while a service hangs', () => {
  let hung: Server;
  const sockets: Socket[] = [];
  let gateway: ChildProcess;

  beforeAll(async () => {
    hung = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const port = new URL(GATEWAY_URL).port;
    gateway = spawnOwnGateway(Number(port), `e2e-health-gateway-${port}.log`, { FLOWS_URL: `http://127.0.0.1:${(hung.address() as AddressInfo).port}` }).process;
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
    const res = await api('GET', `${GATEWAY_URL}/health`, { headers: { authorization: `Bearer ${e2ePlatform().operatorToken}` } });
    expect(Date.now() - started).toBeLessThan(4500);
    expect(res.status).toBe(503);
    // The error shape every 503 has, with what each service said.
    expect(res.body).toMatchObject({ status: 'error', code: 'unavailable', message: 'Not ready: flows', requestId: res.headers.get('x-request-id') });
    expect(Object.keys(res.body.services)).toEqual(['keys', 'credits', 'query', 'flows', 'gateway']);
    expect(res.body.services.flows).toEqual({ status: 'down', message: 'no answer within 3000 ms' });
    for (const s of ['keys', 'credits', 'query']) {
      expect(res.body.services[s]).toEqual({ status: 'up', details: expect.objectContaining({ database: { status: 'up' } }) });
    }
    expect(res.body.services.gateway).toEqual({ status: 'up', details: { kafka: { status: 'up' } } });

    // Anyone else is told who is down, not why: the reasons name internal addresses and errors.
    const open = await api('GET', `${GATEWAY_URL}/health`);
    expect([open.status, open.body.message, open.body.services]).toEqual([
      503,
      'Not ready: flows',
      { keys: { status: 'up' }, credits: { status: 'up' }, query: { status: 'up' }, flows: { status: 'down' }, gateway: { status: 'up' } },
    ]);
  });
});
