import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PRINCIPAL_HEADER, PrincipalTokens, type Principal } from '@tollgate/auth';
import { parseConfig } from '@tollgate/config';
import { createService } from '@tollgate/service-runtime';
import { api, createTestDatabase, testBrokers, type ApiResponse, type TestDatabase } from '@tollgate/testing';
import { AppModule } from '../app.module';
import { keysConfigSchema } from '../config/keys.config';
import { keysMigrations } from '../migrations';

export interface KeysTestApp {
  app: NestFastifyApplication;
  db: TestDatabase;
  /** Where it listens (its /metrics and health routes take no principal). */
  url: string;
  /** Calls the service as the gateway does: with a signed principal, and a request id when given. */
  call<T = any>(method: string, path: string, principal: Principal, body?: unknown, requestId?: string): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

/** The statements of the service's database that wait on a lock: how a race test knows a request is held. */
export async function statementsWaitingOnLock(keys: KeysTestApp): Promise<string[]> {
  const rows = (await keys.db.dataSource.query(`SELECT query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)) as { query: string }[];
  return rows.map((r) => r.query);
}

/** The real keys service on a fresh database (named after `name`) and the suite's Kafka, on a random port; `env` adds to its configuration. */
export async function startKeysApp(name: string, env: Record<string, string> = {}): Promise<KeysTestApp> {
  const internalSecret = randomBytes(32).toString('hex');
  const db = await createTestDatabase(keysMigrations, name);
  const config = parseConfig(keysConfigSchema, {
    DATABASE_URL: db.url,
    KAFKA_BROKERS: testBrokers().join(','),
    INTERNAL_SECRET: internalSecret,
    KEY_PEPPER: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    ...env,
  });
  const app = await createService({ name: 'keys', module: AppModule.forRoot(config), host: '127.0.0.1', port: 0 });
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  const tokens = new PrincipalTokens(internalSecret);
  return {
    app,
    db,
    url,
    call: async (method, path, principal, body, requestId) =>
      api(method, `${url}${path}`, {
        body,
        headers: { [PRINCIPAL_HEADER]: await tokens.sign(principal), ...(requestId ? { 'x-request-id': requestId } : {}) },
      }),
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}
