import type { FastifyRequest } from 'fastify';
import type { Principal } from '@tollgate/auth';
import type { GatewayConfig } from '../config/gateway.config';
import type { CredentialVerifier } from '../auth/credential-verifier';
import { CredentialWatch } from '../auth/credential-watch';
import type { EntityCatalogue } from '../query/entity-catalogue';
import type { KeysForwarder } from './keys-forwarder';
import { KeysHttpController } from './keys.http.controller';
import { UsersHttpController } from './users.http.controller';

const KEY_ID = '0b7e3a52-4c1d-4f7a-9a51-3f2f0c8d6e11';
const USER_ID = '5d1c9f0e-7a2b-4c3d-8e4f-6a7b8c9d0e1f';
const admin: Principal = { instanceId: 'demo', kind: 'session', userId: 'a1', sessionId: 's1', roles: { users: 'admin' }, scopes: [] };
const request = { id: 'req_1' } as FastifyRequest;

/**
 * Keys answers a GET with `before` and every other call with `answer`; the watch follows one open
 * answer of a key and one of a session, both of the user.
 */
function setUp(answer: unknown = undefined, before: unknown = answer) {
  const verifier = { cache: { evictKey: jest.fn(), evictUser: jest.fn() }, standing: () => ({ verifiedAt: Date.now() }) } as unknown as CredentialVerifier;
  const forwarder = { call: jest.fn(async (_r: unknown, _p: unknown, method: string) => (method === 'GET' ? before : answer)) } as unknown as KeysForwarder;
  const watch = new CredentialWatch(verifier, { AUTH_CACHE_TTL_MS: 30_000 } as GatewayConfig);
  const ended = { key: jest.fn(), session: jest.fn() };
  watch.refusal({ instanceId: 'demo', kind: 'personal', keyId: KEY_ID, userId: USER_ID, scopes: ['query'] }, 'tgk_key', 'r').subscribe(ended.key);
  watch.refusal({ instanceId: 'demo', kind: 'session', userId: USER_ID, sessionId: 's2', scopes: [] }, 'tgs_session', 'r').subscribe(ended.session);
  return {
    keys: new KeysHttpController(forwarder, verifier, {} as EntityCatalogue, watch),
    users: new UsersHttpController(forwarder, verifier, watch),
    ended: () => [ended.key.mock.calls.length, ended.session.mock.calls.length],
  };
}

const user = (status: string, roles: Record<string, string>) => ({ id: USER_ID, email: 'u@x.test', name: 'U', roles, status, groups: [], createdAt: '' });

describe('a key or user ended through this gateway', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('ends the open answers of a revoked key at once, however its id was spelled', async () => {
    const one = setUp();
    await one.keys.revoke(admin, request, KEY_ID.toUpperCase());
    expect(one.ended()).toEqual([1, 0]);
    const many = setUp();
    await many.keys.revokeMany(admin, request, { ids: [KEY_ID] });
    expect(many.ended()).toEqual([1, 0]);
  });

  it('ends the open answers of a deactivated user at once, their keys’ and sessions’', async () => {
    const removed = setUp();
    await removed.users.remove(admin, request, USER_ID.toUpperCase());
    expect(removed.ended()).toEqual([1, 1]);
    const patched = setUp(user('deactivated', { query: 'admin' }));
    await patched.users.update(admin, request, USER_ID, { status: 'deactivated' });
    expect(patched.ended()).toEqual([1, 1]);
  });

  it('ends the open answers of a user left admin of nothing, and not of one still admin, never admin or only regrouped', async () => {
    const downgraded = setUp(user('active', { query: 'reader' }), user('active', { query: 'admin' }));
    await downgraded.users.update(admin, request, USER_ID, { roles: { query: 'reader' } });
    expect(downgraded.ended()).toEqual([1, 1]);
    const stillAdmin = setUp(user('active', { query: 'admin', flows: 'reader' }));
    await stillAdmin.users.update(admin, request, USER_ID, { roles: { query: 'admin', flows: 'reader' } });
    expect(stillAdmin.ended()).toEqual([0, 0]);
    const neverAdmin = setUp(user('active', { query: 'contributor' }), user('active', { query: 'reader' }));
    await neverAdmin.users.update(admin, request, USER_ID, { roles: { query: 'contributor' } });
    expect(neverAdmin.ended()).toEqual([0, 0]);
    const regrouped = setUp(user('active', { query: 'reader' }));
    await regrouped.users.update(admin, request, USER_ID, { groups: [] });
    expect(regrouped.ended()).toEqual([0, 0]);
  });
});
