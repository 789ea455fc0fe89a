import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PRINCIPAL_HEADER, PrincipalTokens, type Principal } from '@tollgate/auth';
import { createService, metricsRegistry } from '@tollgate/service-runtime';
import { api, createTestDatabase, testBrokers, type ApiResponse, type TestDatabase } from '@tollgate/testing';
import { AppModule } from '../app.module';
import { queryConfigSchema, type QueryConfig } from '../config/query.config';
import { queryMigrations } from '../migrations';

export interface QueryApp {
  url: string;
  db: TestDatabase;
  config: QueryConfig;
  tokens: PrincipalTokens;
  call<T = any>(method: string, path: string, options?: { principal?: Principal; body?: unknown; headers?: Record<string, string> }): Promise<ApiResponse<T>>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export const principalOf = (instanceId: string, extra: Partial<Principal> = {}): Principal => ({
  instanceId,
  kind: 'organization',
  keyId: 'key_test',
  scopes: ['query', 'ingest', 'admin'],
  ...extra,
});

/**
 * What batch tests call as `principal`, on the app `current` gives (one started in `beforeAll`):
 * define an entity type, send a batch, read the records back by key.
 */
export function batchCalls(current: () => QueryApp, principal: Principal) {
  return {
    define: (name: string, fields: unknown[], primaryKey = 'id') => current().call('POST', '/api/v1/entities', { principal, body: { name, primaryKey, fields } }),
    batch: (name: string, body: unknown, as = principal) => current().call('POST', `/api/v1/entities/${name}/batch`, { principal: as, body }),
    rows: async (name: string) => (await current().call('GET', `/api/v1/entities/${name}?sort=alpha&order=asc`, { principal })).body.data[name],
  };
}

/** The real query service, in this process, on a fresh database; callers sign principals as the gateway would. */
export async function startQueryApp(env: Record<string, string> = {}): Promise<QueryApp> {
  const db = await createTestDatabase(queryMigrations, 'query');
  const config = queryConfigSchema.parse({
    INTERNAL_SECRET: randomBytes(32).toString('hex'),
    KAFKA_BROKERS: testBrokers().join(','),
    DATABASE_URL: db.url,
    LOG_LEVEL: 'warn',
    PORT: '0',
    OUTBOX_POLL_MS: '100',
    ...env,
  });
  const tokens = new PrincipalTokens(config.INTERNAL_SECRET);
  let app: NestFastifyApplication | undefined;
  let url = '';
  const boot = async () => {
    app = await createService({ name: 'query', module: AppModule.forRoot(config), host: '127.0.0.1', port: 0, bodyLimitBytes: config.BATCH_MAX_BYTES });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  };
  await boot();
  const self: QueryApp = {
    get url() {
      return url;
    },
    db,
    config,
    tokens,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.principal) headers[PRINCIPAL_HEADER] = await tokens.sign(options.principal);
      return api(method, `${url}${path}`, { body: options.body, headers });
    },
    async restart() {
      await app?.close();
      // A real restart is a new process; here the process-wide registry must forget the old gauges.
      metricsRegistry.removeSingleMetric('tollgate_outbox_backlog');
      await boot();
    },
    async close() {
      await app?.close();
      await db.drop();
    },
  };
  return self;
}
