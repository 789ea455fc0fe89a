import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PRINCIPAL_HEADER, PrincipalTokens, type Principal } from '@tollgate/auth';
import { parseConfig } from '@tollgate/config';
import { createService } from '@tollgate/service-runtime';
import { api, createTestDatabase, testBrokers, type ApiResponse, type TestDatabase } from '@tollgate/testing';
import { AppModule } from '../app.module';
import { Clock } from '../clock';
import { creditsConfigSchema } from '../config/credits.config';
import { ResetScheduler } from '../credit-accounts/reset/reset-scheduler';
import { creditsMigrations } from '../migrations';

/** A clock the test moves; starts at the real time unless told otherwise. */
export class TestClock extends Clock {
  constructor(private current = new Date()) {
    super();
  }
  now(): Date {
    return new Date(this.current);
  }
  set(at: Date | string): void {
    this.current = new Date(at);
  }
}

export const INTERNAL_SECRET = randomBytes(32).toString('hex');

export interface CreditsTestApp {
  app: NestFastifyApplication;
  db: TestDatabase;
  url: string;
  clock: TestClock;
  call<T = any>(method: string, path: string, principal: Principal, body?: unknown): Promise<ApiResponse<T>>;
  resetDue(): Promise<number>;
  close(): Promise<void>;
}

export const systemFor = (instanceId: string): Principal => ({ instanceId, kind: 'system', scopes: [] });

export const uniqueInstance = (prefix = 'inst') => `${prefix}-${randomBytes(4).toString('hex')}`;

/** The real credits service on a fresh database and the suite's Kafka, on a random port. */
export async function startCreditsApp(options: { clock?: TestClock; db?: TestDatabase } = {}): Promise<CreditsTestApp> {
  const db = options.db ?? (await createTestDatabase(creditsMigrations, 'credits'));
  const clock = options.clock ?? new TestClock();
  const config = parseConfig(creditsConfigSchema, {
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: '10',
    KAFKA_BROKERS: testBrokers().join(','),
    INTERNAL_SECRET,
    LOG_LEVEL: 'warn',
    OUTBOX_POLL_MS: '200',
    RESET_SCAN_MS: '0',
  });
  const app = await createService({ name: 'credits', module: AppModule.forRoot(config, clock), host: '127.0.0.1', port: 0 });
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  const tokens = new PrincipalTokens(INTERNAL_SECRET);
  return {
    app,
    db,
    url,
    clock,
    call: async (method, path, principal, body) =>
      api(method, `${url}${path}`, { body, headers: { [PRINCIPAL_HEADER]: await tokens.sign(principal) } }),
    resetDue: () => app.get(ResetScheduler).resetDue(),
    close: async () => {
      await app.close();
      if (!options.db) await db.drop();
    },
  };
}
