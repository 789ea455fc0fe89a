import type { ChildProcess } from 'node:child_process';
import { ownGatewayLive, spawnOwnGateway } from '@tollgate/testing';
import { createInstance, loginFrom, type TestInstance } from '../identity/identity-e2e.fixture';

jest.setTimeout(90_000);

/** A second gateway beside the platform's, as a deployment behind a load balancer runs several. */
const PORT = Number(process.env.E2E_BASE_PORT ?? 18080) + 38;

describe('failed console logins, counted alike by every gateway', () => {
  let second: ChildProcess | undefined;
  let secondUrl = '';
  let t: TestInstance;

  beforeAll(async () => {
    t = await createInstance();
    const own = spawnOwnGateway(PORT, `e2e-second-gateway-${PORT}.log`);
    second = own.process;
    secondUrl = own.url;
    await ownGatewayLive(own);
  });

  afterAll(() => {
    if (second?.exitCode === null) second.kill('SIGKILL');
  });

  it("stops one client's guesses at an account's limit (10) however they are spread over the gateways", async () => {
    // From a loopback address of this test's own; both gateways see it as the client.
    const guess = (password: string, gateway?: string) => loginFrom('127.0.0.6', { instance: t.instanceId, email: t.adminEmail, password }, gateway);
    const statuses: number[] = [];
    // Five on each: with each gateway counting on its own, neither would have stopped them.
    for (let i = 0; i < 10; i++) statuses.push((await guess(`guess-${i}`, i % 2 ? secondUrl : undefined)).status);
    expect(statuses).toEqual(new Array(10).fill(401));

    for (const gateway of [undefined, secondUrl]) {
      const refused = await guess(t.password, gateway);
      expect([refused.status, refused.code]).toEqual([429, 'rate_limited']);
      expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    }
    // The account's owner, elsewhere, signs in through either.
    for (const gateway of [undefined, secondUrl]) expect((await loginFrom('127.0.0.7', { instance: t.instanceId, email: t.adminEmail, password: t.password }, gateway)).status).toBe(200);
  });
});
