import type { ChildProcess } from 'node:child_process';
import { api, e2ePlatform, ownGatewayLive, spawnOwnGateway } from '@tollgate/testing';
import { createInstance, defineEntities, type TestInstance } from '../identity/identity-e2e.fixture';

jest.setTimeout(90_000);

/** A gateway of this file's own behind a (pretend) load balancer on the loopback address, which it trusts. */
const PORT = Number(process.env.E2E_BASE_PORT ?? 18080) + 37;

describe('a gateway behind a load balancer (TRUST_PROXY)', () => {
  let gateway: ChildProcess | undefined;
  let base = '';
  let t: TestInstance;

  beforeAll(async () => {
    t = await createInstance();
    const own = spawnOwnGateway(PORT, `e2e-behind-proxy-gateway-${PORT}.log`, { TRUST_PROXY: '127.0.0.1' });
    gateway = own.process;
    base = own.url;
    await ownGatewayLive(own);
  });

  afterAll(() => {
    if (gateway?.exitCode === null) gateway.kill('SIGKILL');
  });

  const loginFrom = (client: string, password: string) =>
    api('POST', `${base}/api/v1/auth/login`, { headers: { 'x-forwarded-for': client }, body: { instance: t.instanceId, email: t.adminEmail, password } });
  const keyFrom = (client: string, key: string) => api('GET', `${base}/api/v1/auth/me`, { headers: { 'x-forwarded-for': client, 'x-api-key': key } });

  it("counts failures by the client's address the balancer names, so one client's guesses lock out nobody else", async () => {
    for (let i = 0; i < 10; i++) expect((await loginFrom('203.0.113.7', `guess-${i}`)).status).toBe(401);
    expect([(await loginFrom('203.0.113.7', t.password)).status]).toEqual([429]);
    // The account's owner, behind the same balancer, signs in.
    const owner = await loginFrom('198.51.100.20', t.password);
    expect([owner.status, owner.body.code]).toEqual([200, undefined]);

    let last = await keyFrom('203.0.113.8', 'tg_not_a_key');
    for (let i = 0; i < 200 && last.status === 401; i++) last = await keyFrom('203.0.113.8', 'tg_not_a_key');
    expect([last.status, last.body.code]).toEqual([429, 'rate_limited']);
    // That client is refused even with a valid key; another behind the same balancer is not.
    const refused = await keyFrom('203.0.113.8', t.orgKey);
    expect([refused.status, refused.body.code]).toEqual([429, 'rate_limited']);
    expect((await keyFrom('198.51.100.20', t.orgKey)).status).toBe(200);
  });

  it('hands back URLs at the address the balancer names, which a caller of a gateway trusting no one cannot choose', async () => {
    await defineEntities(t, ['actions']);
    const build = (gateway: string) =>
      api('POST', `${gateway}/api/v1/query-builder`, {
        headers: { 'x-api-key': t.orgKey, 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' },
        body: { entities: 'actions' },
      });
    expect((await build(base)).body.url).toMatch(/^https:\/\/api\.example\.com\/api\/v1\/query\?entities=actions&/);
    const direct = `${e2ePlatform().gatewayUrl}/api/v1/query?entities=actions&`;
    expect((await build(e2ePlatform().gatewayUrl)).body.url.slice(0, direct.length)).toBe(direct);
  });
});
