import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PRINCIPAL_HEADER, PrincipalTokens, type Principal } from '@tollgate/auth';
import { parseConfig } from '@tollgate/config';
import { sessionAggregateId, TOPICS } from '@tollgate/contracts';
import { peekOutbox } from '@tollgate/event-sourcing';
import { createService } from '@tollgate/service-runtime';
import { api, collectMessages, createTestDatabase, eventually, testBrokers, type TestDatabase } from '@tollgate/testing';
import { AppModule } from '../app.module';
import { keysConfigSchema } from '../config/keys.config';
import { Hashing } from '../identity/hashing';
import { keysMigrations } from '../migrations';

jest.setTimeout(60_000);

const INTERNAL_SECRET = randomBytes(32).toString('hex');
const tokens = new PrincipalTokens(INTERNAL_SECRET);
const instanceId = `signout-${randomBytes(3).toString('hex')}`;
const system: Principal = { instanceId: '', kind: 'system', scopes: [] };
const operator: Principal = { instanceId: '', kind: 'operator', scopes: [] };
const password = 'pw-of-the-admin-123';

describe('a console session signed out (keys, real PostgreSQL and Kafka)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let url = '';

  const call = async (method: string, path: string, principal: Principal, body?: unknown, requestId?: string) =>
    api(method, `${url}${path}`, {
      body,
      headers: { [PRINCIPAL_HEADER]: await tokens.sign(principal), ...(requestId ? { 'x-request-id': requestId } : {}) },
    });
  const login = async (): Promise<string> =>
    (await call('POST', '/sessions', system, { instance: instanceId, email: 'admin@signout.test', password })).body.token;

  beforeAll(async () => {
    db = await createTestDatabase(keysMigrations, 'keys_signout');
    const config = parseConfig(keysConfigSchema, {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: testBrokers().join(','),
      INTERNAL_SECRET,
      KEY_PEPPER: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'warn',
    });
    app = await createService({ name: 'keys', module: AppModule.forRoot(config), host: '127.0.0.1', port: 0 });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
    expect((await call('POST', '/instances', operator, { id: instanceId, name: 'Sign-out', dailyCredits: 10, timezone: 'UTC' })).status).toBe(201);
    const admin = await call('POST', `/instances/${instanceId}/users`, operator, {
      email: 'admin@signout.test',
      name: 'Admin',
      password,
      roles: { users: 'admin' },
    });
    expect(admin.status).toBe(201);
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('announces SessionEnded once, naming the session by id and never by its token, and refuses the session from then on', async () => {
    const session = await login();
    const other = await login();
    const verified = await call('POST', '/credentials/verify', system, { credential: session });
    expect(verified.status).toBe(200);
    const { sessionId, userId } = verified.body.principal;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await call('POST', '/credentials/verify', system, { credential: other })).body.principal.sessionId).not.toBe(sessionId);

    const kafka = await collectMessages(testBrokers(), [TOPICS.keys]);
    try {
      expect((await call('POST', '/sessions/end', system, { credential: session }, 'req-sign-out')).status).toBe(204);
      expect((await call('POST', '/credentials/verify', system, { credential: session })).status).toBe(401);
      expect((await call('POST', '/credentials/verify', system, { credential: other })).status).toBe(200);
      // Signed out again (a retried call): nothing more to announce.
      expect((await call('POST', '/sessions/end', system, { credential: session })).status).toBe(204);

      const ended = () => kafka.messages.filter((m) => JSON.parse(m.value).type === 'SessionEnded' && JSON.parse(m.value).instanceId === instanceId);
      await eventually(() => expect(ended()).toHaveLength(1), { timeoutMs: 20_000 });
      await eventually(async () => expect(await peekOutbox(db.dataSource, 100)).toEqual([]));
      expect(ended()).toHaveLength(1);
      const [message] = ended();
      expect(message.key).toBe(sessionAggregateId(sessionId));
      expect(JSON.parse(message.value)).toMatchObject({
        type: 'SessionEnded',
        version: 1,
        instanceId,
        aggregateId: sessionAggregateId(sessionId),
        sequence: 0,
        correlationId: 'req-sign-out',
        data: { sessionId, userId },
      });
      const hash = app.get(Hashing).credential(session);
      for (const secret of [session, hash.toString('hex'), hash.toString('base64')]) expect(message.value).not.toContain(secret);
    } finally {
      await kafka.stop();
    }
  });
});
