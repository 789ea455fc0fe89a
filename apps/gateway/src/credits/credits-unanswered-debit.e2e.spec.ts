import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Principal } from '@tollgate/auth';
import { e2ePlatform, eventually } from '@tollgate/testing';
import type { ServiceClients } from '../downstream/service-clients';
import { call, createInstance, operator, type TestInstance } from '../identity/identity-e2e.fixture';
import { gatewayMetering } from '../metering/metering.fixture';
import type { MeteringService } from '../metering/metering.service';

jest.setTimeout(60_000);

describe('a debit the gateway stopped waiting for', () => {
  let t: TestInstance;
  let clients: ServiceClients;
  let metering: MeteringService;
  let creditsDb: Client;

  beforeAll(async () => {
    t = await createInstance();
    const platform = e2ePlatform();
    // The gateway's metering with a short patience, against the platform's credits service. Long
    // enough that, even on a busy machine, the debit is queued on the held pool before the gateway
    // gives up and sends its final refund: otherwise that refund may close the request id first,
    // and the late debit then charges nothing at all (correct, but not the case this test is for).
    ({ clients, metering } = gatewayMetering(platform.urls, platform.internalSecret, { CREDITS_DEBIT_TIMEOUT_MS: 1500 }));
    creditsDb = new Client({ connectionString: platform.databaseUrls.credits });
    await creditsDb.connect();
  });
  afterAll(async () => {
    await creditsDb?.end();
    await clients?.onApplicationShutdown();
  });

  const remaining = async () => (await call('GET', '/api/v1/credits', { 'x-api-key': t.orgKey })).body.remaining as number;
  const principal = (): Principal => ({ instanceId: t.instanceId, kind: 'organization', keyId: 'key_slow', scopes: ['query'] });

  it('is given back when credits charged it after the caller was told it failed', async () => {
    const before = await remaining();
    // Hold the instance's pool: the debit waits in credits past the gateway's patience (and its retry).
    await creditsDb.query('BEGIN');
    await creditsDb.query('SELECT 1 FROM credit_accounts WHERE instance_id = $1 FOR UPDATE', [t.instanceId]);
    let failure: unknown;
    try {
      await metering.charge({ principal: principal(), requestId: `req_${randomUUID()}`, cost: 2, entities: ['actions'] });
    } catch (error) {
      failure = error;
    } finally {
      await creditsDb.query('COMMIT'); // the debit goes through now, unseen by the caller
    }
    expect(failure).toMatchObject({ status: expect.any(Number) });
    expect((failure as { status: number }).status).toBeGreaterThanOrEqual(500);

    // Refunds follow at 0, 2, 10 and 30 s: by the last round at the latest, the call and its retry,
    // whichever of them credits charged, have been given back.
    await eventually(
      async () => {
        const audit = await call('GET', `/api/v1/operator/instances/${t.instanceId}/credits/audit`, operator());
        expect(audit.body.balanced).toBe(true);
        expect(audit.body.consumed).toBeGreaterThan(0); // it was charged: the refunds are what brought the balance back
        expect(audit.body.refunded).toBe(audit.body.consumed);
        expect(await remaining()).toBe(before);
      },
      { timeoutMs: 35_000, intervalMs: 250 },
    );
  });
});
