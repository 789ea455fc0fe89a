import { eventually } from '@tollgate/testing';
import type { LocalKafka } from '../kafka/local-kafka';
import type { RunningPlatform } from '../platform/launch-platform';
import { closeDatabase, reopenDatabase, startOwnPlatform, type OwnPlatform } from './own-platform';

jest.setTimeout(300_000);

const SERVICES = ['keys', 'credits', 'query', 'flows'] as const;

async function readiness(url: string) {
  const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: (await res.json()) as { details?: Record<string, { status: string }> } };
}

// A platform of its own, on its own broker, so the broker can be stopped without disturbing others.
describe('readiness follows the database and Kafka', () => {
  let own: OwnPlatform;
  let kafka: LocalKafka;
  let platform: RunningPlatform;

  beforeAll(async () => {
    own = await startOwnPlatform('ready', 50);
    ({ kafka, platform } = own);
  });
  afterAll(async () => {
    await own?.stop();
  });

  it('every service is ready when its database and Kafka answer', async () => {
    for (const s of [...SERVICES, 'gateway' as const]) expect((await readiness(platform.urls[s])).status).toBe(200);
  });

  it('reports not ready, naming Kafka, while the broker is down, and ready again once it is back', async () => {
    await kafka.stop();
    for (const s of [...SERVICES, 'gateway' as const]) {
      const { status, body } = await eventually(async () => {
        const r = await readiness(platform.urls[s]);
        expect(r.status).toBe(503);
        return r;
      }, { timeoutMs: 20_000 });
      expect(status).toBe(503);
      expect(body.details?.kafka?.status).toBe('down');
      const live = await fetch(`${platform.urls[s]}/health/live`);
      expect(live.status).toBe(200); // alive: no restart needed, just not ready
    }
    const summary = await fetch(`${platform.gatewayUrl}/health`);
    expect(summary.status).toBe(503);

    await kafka.restart();
    for (const s of [...SERVICES, 'gateway' as const]) {
      await eventually(async () => expect((await readiness(platform.urls[s])).status).toBe(200), { timeoutMs: 60_000 });
    }
  });

  it('reports not ready, naming the database, while its database refuses connections', async () => {
    for (const s of SERVICES) {
      await closeDatabase(platform.databaseUrls[s]);
      try {
        const { body } = await eventually(async () => {
          const r = await readiness(platform.urls[s]);
          expect(r.status).toBe(503);
          return r;
        }, { timeoutMs: 20_000 });
        expect(body.details?.database?.status).toBe('down');
        // The metrics that show the outage are still served; only the backlog, read from the database, is missing.
        const metrics = await fetch(`${platform.urls[s]}/metrics`, { signal: AbortSignal.timeout(5000) });
        expect(metrics.status).toBe(200);
        const text = await metrics.text();
        expect(text).toMatch(/^http_request_duration_seconds_count\{/m);
        expect(text).not.toMatch(/^tollgate_outbox_backlog /m);
      } finally {
        await reopenDatabase(platform.databaseUrls[s]);
      }
      await eventually(async () => expect((await readiness(platform.urls[s])).status).toBe(200), { timeoutMs: 30_000 });
    }
  });
});
