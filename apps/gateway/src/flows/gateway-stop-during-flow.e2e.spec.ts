import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { TOPICS, type EventEnvelope } from '@tollgate/contracts';
import { api, collectMessages, eventually, spawnOwnGateway, stopOwnGateway, testBrokers } from '@tollgate/testing';
import { call, createInstance, issue } from '../identity/identity-e2e.fixture';
import { defineFlow, key } from './flows-e2e.fixture';

jest.setTimeout(90_000);

/** A gateway of this file's own, beside the shared platform's services, stopped while a sync flow runs. */
const PORT = Number(process.env.E2E_BASE_PORT ?? 18080) + 33;
const GRACE_MS = 2000;

const startGateway = () =>
  spawnOwnGateway(PORT, `e2e-stop-during-flow-gateway-${PORT}.log`, {
    // Key use is reported only at the flush on shutdown.
    KEY_USAGE_FLUSH_MS: '600000',
    SHUTDOWN_GRACE_MS: String(GRACE_MS),
  });

describe('stopping a gateway while a request runs longer than the shutdown grace', () => {
  let gateway: ChildProcess | undefined;
  afterAll(() => {
    if (gateway?.exitCode === null) gateway.kill('SIGKILL');
  });

  it('still does its shutdown work (key usage reported) within the grace, and exits 0', async () => {
    const t = await createInstance();
    const name = `Long ${randomBytes(4).toString('hex')}`;
    const flow = await defineFlow(t, { name, mode: 'sync', timeoutMs: 20_000, steps: [{ type: 'delay', ms: 8000 }] });
    // A key only this gateway sees: the shared gateway reports the use of the keys it served itself
    // (defining the flow), and may do so while this test listens.
    const caller = await issue(t, { kind: 'organization', description: 'calls through the stopping gateway' });
    const own = startGateway();
    gateway = own.process;
    const GATEWAY_URL = own.url;
    await eventually(async () => expect((await fetch(`${GATEWAY_URL}/health/ready`)).status).toBe(200), { timeoutMs: 60_000, intervalMs: 200 });
    const kafka = await collectMessages(testBrokers(), [TOPICS.keys]);
    try {
      const running = api('POST', `${GATEWAY_URL}/api/1/action/Tests/${encodeURIComponent(name)}/trigger`, { headers: { 'x-api-key': caller.key }, body: {} }).catch(
        (error: Error) => error,
      );
      // The trigger is in flight: its run is under way.
      await eventually(async () => {
        const runs = await call('GET', `/api/v1/flows/${flow.id}/runs`, key(t.orgKey));
        expect(runs.body.runs?.map((r: { status: string }) => r.status)).toEqual(['running']);
      });

      const { exitCode, ms } = await stopOwnGateway(gateway);
      expect({ exitCode, withinGrace: ms < GRACE_MS + 500 }).toEqual({ exitCode: 0, withinGrace: true });
      expect(await running).toHaveProperty('message', 'fetch failed'); // its connection was closed: the caller may retry elsewhere

      await eventually(() => {
        const used = kafka.messages.map((m) => JSON.parse(m.value) as EventEnvelope).filter((e) => e.type === 'KeyUsed' && (e.data as { keyId?: string }).keyId === caller.id);
        expect(used.map((e) => e.data)).toEqual([expect.objectContaining({ count: 1 })]);
      });
    } finally {
      await kafka.stop();
    }
  });
});
