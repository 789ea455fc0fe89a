import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, type MixedList } from 'typeorm';

/** The server tests create their databases on: DATABASE_URL's server, else the local one. */
export function serverUrl(database = 'postgres'): string {
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = `/${database}`;
  return url.toString();
}

export interface TestDatabase {
  name: string;
  url: string;
  dataSource: DataSource;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file (milliseconds on a local server), so test files
 * never see each other's rows and can run in parallel.
 */
export async function createTestDatabase(
  migrations: MixedList<Function>,
  prefix = 'test',
): Promise<TestDatabase> {
  const name = `tg_${prefix}_${randomBytes(5).toString('hex')}`.toLowerCase();
  const admin = new Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = serverUrl(name);
  const dataSource = new DataSource({ type: 'postgres', url, migrations, migrationsRun: true, poolSize: 20 });
  await dataSource.initialize();
  return {
    name,
    url,
    dataSource,
    drop: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      const c = new Client({ connectionString: serverUrl() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
