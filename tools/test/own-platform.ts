import { Client } from 'pg';
import { ALL_TOPICS } from '@tollgate/contracts';
import { ensureTopics, startLocalKafka, type LocalKafka } from '../kafka/local-kafka';
import { LOCAL_SERVER } from '../db/local-postgres';
import { launchPlatform, type RunningPlatform } from '../platform/launch-platform';

/**
 * For end-to-end files that break the platform's dependencies on purpose: a platform of the file's
 * own, on a broker of its own, so stopping the broker or closing a database disturbs no other file.
 */
export interface OwnPlatform {
  platform: RunningPlatform;
  kafka: LocalKafka;
  stop(): Promise<void>;
}

/** `name` names its databases and log folder; `portOffset` puts its services clear of the shared platform's. */
export async function startOwnPlatform(name: string, portOffset: number): Promise<OwnPlatform> {
  const previousBrokers = process.env.KAFKA_BROKERS;
  const kafka = await startLocalKafka({ port: 0, fresh: true });
  await ensureTopics(kafka.brokers, ALL_TOPICS.map((topic) => ({ topic })));
  process.env.KAFKA_BROKERS = kafka.brokers;
  const basePort = Number(process.env.E2E_BASE_PORT ?? 18080) + portOffset;
  const platform = await launchPlatform({
    basePort,
    databasePrefix: `tollgate_${name}_${basePort}`,
    freshDatabases: true,
    distDir: process.env.E2E_DIST_DIR,
    logDir: `${process.env.E2E_LOG_DIR}-${name}`,
  });
  return {
    platform,
    kafka,
    stop: async () => {
      await platform.stop({ dropDatabases: true });
      await kafka.stop();
      process.env.KAFKA_BROKERS = previousBrokers;
    },
  };
}

async function asAdmin<T>(run: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: process.env.DATABASE_URL ?? LOCAL_SERVER });
  await c.connect();
  try {
    return await run(c);
  } finally {
    await c.end();
  }
}

const databaseName = (url: string) => new URL(url).pathname.slice(1);

/** The database refuses new connections and its open ones are ended, as while it restarts. */
export async function closeDatabase(databaseUrl: string): Promise<void> {
  const name = databaseName(databaseUrl);
  await asAdmin(async (c) => {
    await c.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
    await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [name]);
  });
}

export async function reopenDatabase(databaseUrl: string): Promise<void> {
  await asAdmin((c) => c.query(`ALTER DATABASE "${databaseName(databaseUrl)}" ALLOW_CONNECTIONS true`));
}
