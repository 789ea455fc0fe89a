import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Principal } from '@tollgate/auth';
import { api, e2ePlatform, eventually, ownGatewayLive, spawnOwnGateway } from '@tollgate/testing';
import { call, createInstance, defineEntities, type TestInstance } from '../identity/identity-e2e.fixture';
import { gatewayMetering } from '../metering/metering.fixture';

jest.setTimeout(60_000);

const PORT = Number(process.env.E2E_BASE_PORT ?? 18080) + 41;

/** A relay to one of the platform's services, which the test can make drop or hold the calls it picks. */
async function relayTo(target: string, picks: (url: string) => 'pass' | 'drop' | 'hold'): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const pick = picks(req.url ?? '');
    if (pick === 'drop') return req.socket.destroy();
    if (pick === 'hold') return; // never answers
    const upstream = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('refunds: a charged request whose work fails costs nothing, and says so', () => {
  let t: TestInstance;
  const remaining = async () => (await call('GET', '/api/v1/credits', { 'x-api-key': t.orgKey })).body.remaining as number;
  beforeAll(async () => {
    t = await createInstance();
    await defineEntities(t, ['actions']);
  });

  describe("the gateway's own answers, the query service unreachable or too slow", () => {
    let queryCalls: 'drop' | 'hold' = 'drop';
    let relay: { server: Server; url: string };
    let gateway: ChildProcess | undefined;
    let base = '';
    beforeAll(async () => {
      // The entity catalogue still comes through; the queries themselves are dropped or held.
      relay = await relayTo(e2ePlatform().urls.query, (url) => (url.startsWith('/api/v1/query') ? queryCalls : 'pass'));
      const own = spawnOwnGateway(PORT, `e2e-refunds-gateway-${PORT}.log`, { QUERY_URL: relay.url, DOWNSTREAM_TIMEOUT_MS: '1000' });
      gateway = own.process;
      base = own.url;
      await ownGatewayLive(own);
    });
    afterAll(async () => {
      if (gateway?.exitCode === null) gateway.kill('SIGKILL');
      await new Promise((r) => relay?.server.close(r));
    });

    it.each([
      ['drop', 503, 'unavailable'],
      ['hold', 504, 'timeout'],
    ] as const)('query calls %s: %s %s with X-Credits-Cost 0 and the remaining credits, refunded', async (pick, status, code) => {
      queryCalls = pick;
      const before = await remaining();
      const res = await api('GET', `${base}/api/v1/query?entities=actions`, { headers: { 'x-api-key': t.orgKey } });
      expect([res.status, res.body.code, res.headers.get('x-credits-cost'), res.headers.get('x-credits-remaining')]).toEqual([status, code, '0', String(before)]);
      expect(await remaining()).toBe(before);
    });
  });

  it('gives a refund back once credits takes it, though credits could not at first', async () => {
    let refundCalls = 0;
    // The first two refund calls never reach credits.
    const relay = await relayTo(e2ePlatform().urls.credits, (url) => (url.startsWith('/refunds') && ++refundCalls <= 2 ? 'drop' : 'pass'));
    const { clients, metering } = gatewayMetering({ ...e2ePlatform().urls, credits: relay.url }, e2ePlatform().internalSecret);
    try {
      const before = await remaining();
      const principal: Principal = { instanceId: t.instanceId, kind: 'organization', keyId: 'key_refund', scopes: ['query'] };
      const charge = await metering.charge({ principal, requestId: `req_${randomUUID()}`, cost: 2, entities: ['actions'] });
      expect(await remaining()).toBe(before - 2);
      await charge.refund();
      // Tried again at once, then 2 s later (then 10 s and 30 s): credits takes it then.
      await eventually(async () => expect(await remaining()).toBe(before), { timeoutMs: 8_000, intervalMs: 200 });
      expect(refundCalls).toBe(3);
    } finally {
      await clients.onApplicationShutdown();
      await new Promise((r) => relay.server.close(r));
    }
  });
});
