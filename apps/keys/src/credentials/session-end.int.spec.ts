import { randomBytes } from 'node:crypto';
import type { Principal } from '@tollgate/auth';
import { sessionAggregateId, TOPICS } from '@tollgate/contracts';
import { peekOutbox } from '@tollgate/event-sourcing';
import { collectMessages, eventually, testBrokers } from '@tollgate/testing';
import { Hashing } from '../identity/hashing';
import { startKeysApp, type KeysTestApp } from '../testing/keys-app.fixture';

jest.setTimeout(60_000);

const instanceId = `signout-${randomBytes(3).toString('hex')}`;
const system: Principal = { instanceId: '', kind: 'system', scopes: [] };
const operator: Principal = { instanceId: '', kind: 'operator', scopes: [] };
const password = 'pw-of-the-admin-123';

describe('a console session signed out (keys, real PostgreSQL and Kafka)', () => {
  let keys: KeysTestApp;

  const call = (method: string, path: string, principal: Principal, body?: unknown, requestId?: string) => keys.call(method, path, principal, body, requestId);
  const login = async (): Promise<string> =>
    (await call('POST', '/sessions', system, { instance: instanceId, email: 'admin@signout.test', password })).body.token;

  beforeAll(async () => {
    keys = await startKeysApp('keys_signout');
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
    await keys?.close();
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
      await eventually(async () => expect(await peekOutbox(keys.db.dataSource, 100)).toEqual([]));
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
      const hash = keys.app.get(Hashing).credential(session);
      for (const secret of [session, hash.toString('hex'), hash.toString('base64')]) expect(message.value).not.toContain(secret);
    } finally {
      await kafka.stop();
    }
  });
});
