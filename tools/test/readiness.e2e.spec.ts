import { Client } from 'pg';
import { eventually } from '@tollgate/testing';
import { ALL_TOPICS } from '@tollgate/contracts';
import { ensureTopics, startLocalKafka, type LocalKafka } from '../kafka/local-kafka';
import { launchPlatform, type RunningPlatform } from '../platform/launch-platform';
import { LOCAL_SERVER } from '../db/local-postgres';

jest.setTimeout(300_000);

const SERVICES = ['keys', 'credits', 'query', 'flows'] as const;

async function readiness(url: string) {
  const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: (await res.json()) as { details?: Record<string, { status: string }> } };
}

async function admin<T>(run: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: process.env.DATABASE_URL ?? LOCAL_SERVER });
  await c.connect();
  try {
    return await run(c);
  } finally {
    await c.end();
  }
}

const dbName = (url: string) => new URL(url).pathname.slice(1);

// A platform of its own, on its own broker, so the broker can be stopped without disturbing others.
describe('readiness follows the database and Kafka', () => {
  let kafka: LocalKafka;
  let platform: RunningPlatform;
  const previousBrokers = process.env.KAFKA_BROKERS;

  beforeAll(async () => {
    kafka = await startLocalKafka({ port: 0, fresh: true });
    await ensureTopics(kafka.brokers, ALL_TOPICS.map((topic) => ({ topic })));
    process.env.KAFKA_BROKERS = kafka.brokers;
    const basePort = Number(process.env.E2E_BASE_PORT ?? 18080) + 50;
    platform = await launchPlatform({
      basePort,
      databasePrefix: `tollgate_ready_${basePort}`,
      freshDatabases: true,
      distDir: process.env.E2E_DIST_DIR,
      logDir: `${process.env.E2E_LOG_DIR}-readiness`,
    });
  });
  afterAll(async () => {
    await platform?.stop({ dropDatabases: true });
    await kafka?.stop();
    process.env.KAFKA_BROKERS = previousBrokers;
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
      const name = dbName(platform.databaseUrls[s]);
      await admin(async (c) => {
        await c.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
        await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [name]);
      });
      try {
        const { body } = await eventually(async () => {
          const r = await readiness(platform.urls[s]);
          expect(r.status).toBe(503);
          return r;
        }, { timeoutMs: 20_000 });
        expect(body.details?.database?.status).toBe('down');
      } finally {
        await admin((c) => c.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`));
      }
      await eventually(async () => expect((await readiness(platform.urls[s])).status).toBe(200), { timeoutMs: 30_000 });
    }
  });
});
