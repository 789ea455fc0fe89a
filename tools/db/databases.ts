import { Client } from 'pg';
import { LOCAL_SERVER } from './local-postgres';
import { DataSource, type MixedList } from 'typeorm';
import { creditsMigrations } from '../../apps/credits/src/migrations';
import { flowsMigrations } from '../../apps/flows/src/migrations';
import { keysMigrations } from '../../apps/keys/src/migrations';
import { queryMigrations } from '../../apps/query/src/migrations';

export const DATABASE_SERVICES = ['keys', 'credits', 'query', 'flows'] as const;
export type DatabaseService = (typeof DATABASE_SERVICES)[number];

const MIGRATIONS: Record<DatabaseService, MixedList<Function>> = {
  keys: keysMigrations,
  credits: creditsMigrations,
  query: queryMigrations,
  flows: flowsMigrations,
};

const DEFAULT_SERVER = LOCAL_SERVER;

/**
 * Each service's database: `<SERVICE>_DATABASE_URL` when set, else `tollgate_<service>` (with an
 * optional prefix, for test runs) on DATABASE_URL's server, else on the local server.
 */
export function serviceDatabaseUrl(service: DatabaseService, prefix = 'tollgate'): string {
  const own = process.env[`${service.toUpperCase()}_DATABASE_URL`];
  if (own) return own;
  const url = new URL(process.env.DATABASE_URL ?? DEFAULT_SERVER);
  url.pathname = `/${prefix}_${service}`;
  return url.toString();
}

async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const server = new URL(url);
  server.pathname = '/postgres';
  const client = new Client({ connectionString: server.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    return true;
  } finally {
    await client.end();
  }
}

/** Creates the service's database if missing and applies pending migrations. Returns their names. */
export async function migrateService(service: DatabaseService, url = serviceDatabaseUrl(service)) {
  const created = await ensureDatabase(url);
  const dataSource = new DataSource({ type: 'postgres', url, migrations: MIGRATIONS[service], migrationsTransactionMode: 'each' });
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations();
    return { service, created, applied: applied.map((m) => m.name) };
  } finally {
    await dataSource.destroy();
  }
}

export async function dropServiceDatabase(url: string): Promise<void> {
  const server = new URL(url);
  const name = decodeURIComponent(server.pathname.slice(1));
  server.pathname = '/postgres';
  const client = new Client({ connectionString: server.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
