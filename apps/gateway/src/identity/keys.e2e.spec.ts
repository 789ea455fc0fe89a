import { randomUUID } from 'node:crypto';
import { TOPICS } from '@tollgate/contracts';
import { collectMessages, eventually, produceRaw, testBrokers } from '@tollgate/testing';
import { authStatus, bearer, call, createInstance, createUser, defineEntities, issue, login, type TestInstance } from './identity-e2e.fixture';

const keyOf = async (t: TestInstance, id: string) =>
  ((await call('GET', '/api/v1/keys', bearer(t.session))).body.keys as any[]).find((k) => k.id === id);

jest.setTimeout(30_000);

describe('API keys', () => {
  let t: TestInstance;
  beforeAll(async () => {
    t = await createInstance();
    await defineEntities(t, ['orders', 'clients']);
  });

  it('issues a key once: formats, prefix, scopes; the listing never shows a secret', async () => {
    const org = await call('POST', '/api/v1/keys', bearer(t.session), { kind: 'organization', description: 'd1', scopes: ['query'] });
    expect(org.status).toBe(201);
    expect(org.body).toMatchObject({ kind: 'organization', scopes: ['query'], status: 'active', description: 'd1' });
    expect(org.body.key).toMatch(/^tg_[0-9A-Za-z]{49}o$/);
    expect(org.body.key.startsWith(org.body.prefix.slice(0, 9))).toBe(true);
    const data = await issue(t, { kind: 'data', description: 'd2', entities: ['orders', 'clients'] });
    expect(data.key).toMatch(/d$/);
    const list = await call('GET', '/api/v1/keys', bearer(t.session));
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(org.body.key);
    expect(list.text).not.toContain(data.key);
    expect(list.body.keys.find((k: any) => k.id === data.id)).toMatchObject({ kind: 'data', scopes: ['query'], entities: ['orders', 'clients'] });
  });

  it('validates key requests', async () => {
    const bad = [
      { kind: 'weird', description: 'x' },
      { kind: 'organization', description: 'x', scopes: ['everything'] },
      { kind: 'data', description: 'x' },
      { kind: 'data', description: 'x', entities: ['orders'], scopes: ['ingest'] },
      { kind: 'organization', description: 'x', expiresAt: '2001-01-01T00:00:00.000Z' },
      // ISO 8601's compact and week forms, which a Date cannot read.
      { kind: 'organization', description: 'x', expiresAt: '20270101T000000Z' },
      { kind: 'organization', description: 'x', expiresAt: '2027-W01' },
      { kind: 'organization', description: 'x', expiresAt: '2027-01-01T24:00:00Z' },
      { kind: 'organization', description: 'x', extra: 1 },
      // A key is told apart in the list by its description.
      { kind: 'organization', description: '' },
      { kind: 'organization', description: '   ' },
      // Its entities travel in every request's signed principal header: bounded, as entity names are.
      { kind: 'data', description: 'x', entities: Array.from({ length: 101 }, (_, i) => `e${i}`) },
      { kind: 'data', description: 'x', entities: ['e'.repeat(64)] },
    ];
    for (const body of bad) {
      const res = await call('POST', '/api/v1/keys', bearer(t.session), body);
      expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: 400, code: 'validation_failed' });
    }
  });

  it("refuses a data key for an entity the instance does not have, naming it, and issues nothing", async () => {
    const before = (await call('GET', '/api/v1/keys', bearer(t.session))).body.keys.length;
    const typo = await call('POST', '/api/v1/keys', bearer(t.session), { kind: 'data', description: 'typo', entities: ['orders', 'ordres', 'clinets'] });
    expect([typo.status, typo.body.code, typo.body.errors]).toEqual([
      400,
      'validation_failed',
      [
        { field: 'entities', message: 'unknown entity ordres' },
        { field: 'entities', message: 'unknown entity clinets' },
      ],
    ]);
    expect((await call('GET', '/api/v1/keys', bearer(t.session))).body.keys).toHaveLength(before);
    // A caller who may not issue keys learns nothing of the instance's entity types: 403 whatever the names.
    const reader = await createUser(t, { query: 'reader' });
    const readerSession = await login(t.instanceId, reader.email, reader.password);
    for (const entities of [['orders'], ['ordres']]) {
      const refused = await call('POST', '/api/v1/keys', bearer(readerSession), { kind: 'data', description: 'probe', entities });
      expect([entities, refused.status, refused.body.code]).toEqual([entities, 403, 'forbidden']);
    }
    // Another instance's entity types are unknown here too.
    const other = await createInstance();
    await defineEntities(other, ['invoices']);
    const foreign = await call('POST', '/api/v1/keys', bearer(t.session), { kind: 'data', description: 'foreign', entities: ['invoices'] });
    expect([foreign.status, foreign.body.errors]).toEqual([400, [{ field: 'entities', message: 'unknown entity invoices' }]]);
    // Defined a moment ago through this gateway: known at once.
    await defineEntities(t, ['invoices']);
    expect((await call('POST', '/api/v1/keys', bearer(t.session), { kind: 'data', description: 'invoices', entities: ['invoices'] })).status).toBe(201);
  });

  it('a data key listing as many entities as it may, each name as long as it may be, works', async () => {
    const entities = Array.from({ length: 100 }, (_, i) => `${'e'.repeat(60)}${String(i).padStart(3, '0')}`);
    await defineEntities(t, entities);
    const issued = await call('POST', '/api/v1/keys', bearer(t.session), { kind: 'data', description: 'widest', entities });
    expect(issued.status).toBe(201);
    const me = await call('GET', '/api/v1/auth/me', { 'x-api-key': issued.body.key });
    expect([me.status, me.body.entities]).toEqual([200, entities]);
    expect((await call('GET', '/api/v1/entities', { 'x-api-key': issued.body.key })).status).toBe(200);
  });

  it('personal keys: owner must be an admin (403 not_admin); one active per user (409 key_exists)', async () => {
    const reader = await createUser(t, { query: 'reader' });
    const notAdmin = await call('POST', '/api/v1/keys', bearer(t.session), { kind: 'personal', description: 'x', ownerId: reader.id });
    expect(notAdmin.status).toBe(403);
    expect(notAdmin.body.code).toBe('not_admin');
    const owner = await createUser(t, { flows: 'admin' });
    const first = await call('POST', '/api/v1/keys', bearer(t.session), { kind: 'personal', description: 'p', ownerId: owner.id });
    expect(first.status).toBe(201);
    expect(first.body.key).toMatch(/p$/);
    expect(first.body.ownerId).toBe(owner.id);
    const second = await call('POST', '/api/v1/keys', bearer(t.session), { kind: 'personal', description: 'p2', ownerId: owner.id });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('key_exists');
  });

  it('lets exactly one of several racing requests create a personal key', async () => {
    const owner = await createUser(t, { query: 'admin' });
    const results = await Promise.all(
      Array.from({ length: 8 }, () => call('POST', '/api/v1/keys', bearer(t.session), { kind: 'personal', description: 'race', ownerId: owner.id })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.code === 'key_exists')).toBe(true);
    expect(results.filter((r) => r.status === 409)).toHaveLength(7);
  });

  it('a personal key acts as its user (the caller by default)', async () => {
    const mine = await issue(t, { kind: 'personal', description: 'mine' });
    const listed = await keyOf(t, mine.id);
    expect(listed.ownerId).toBe(t.adminId);
    expect(await authStatus({ 'x-api-key': mine.key })).toBe(200);
    // It may administer keys because its user is a users admin.
    expect((await call('GET', '/api/v1/keys', { 'x-api-key': mine.key })).status).toBe(200);
  });

  it('single and bulk delete revoke at once (all or nothing)', async () => {
    const [a, b, c] = await Promise.all([1, 2, 3].map((i) => issue(t, { kind: 'organization', description: `bulk ${i}` })));
    for (const k of [a, b, c]) expect(await authStatus({ 'x-api-key': k.key })).toBe(200);
    const partial = await call('DELETE', '/api/v1/keys', bearer(t.session), { ids: [a.id, randomUUID()] });
    expect(partial.status).toBe(404);
    expect(await authStatus({ 'x-api-key': a.key })).toBe(200);
    expect((await call('DELETE', '/api/v1/keys', bearer(t.session), { ids: [a.id, b.id] })).status).toBe(204);
    expect(await authStatus({ 'x-api-key': a.key })).toBe(401);
    expect(await authStatus({ 'x-api-key': b.key })).toBe(401);
    expect((await call('DELETE', `/api/v1/keys/${c.id}`, bearer(t.session))).status).toBe(204);
    expect(await authStatus({ 'x-api-key': c.key })).toBe(401);
    expect((await keyOf(t, c.id)).status).toBe('revoked');
    const none = await call('DELETE', '/api/v1/keys', bearer(t.session), { ids: [] });
    expect([none.status, none.body.errors]).toEqual([400, [{ field: 'ids', message: 'ids must not be empty' }]]);
  });

  it('takes racing revocations (a retry, crossing bulk orders, the owner deactivated meanwhile) with 204 each, revoking every key', async () => {
    for (let round = 0; round < 3; round++) {
      const owner = await createUser(t, { users: 'admin' });
      const keys = await Promise.all([1, 2, 3, 4].map((i) => issue(t, { kind: 'organization', description: `race ${round}.${i}`, ownerId: owner.id })));
      const [a, b, c, d] = keys.map((k) => k.id);
      const answers = await Promise.all([
        call('DELETE', `/api/v1/keys/${a}`, bearer(t.session)),
        call('DELETE', `/api/v1/keys/${a}`, bearer(t.session)),
        call('DELETE', '/api/v1/keys', bearer(t.session), { ids: [a, b, c] }),
        call('DELETE', '/api/v1/keys', bearer(t.session), { ids: [c, b, a] }),
        call('DELETE', '/api/v1/keys', bearer(t.session), { ids: [d, c] }),
        call('PATCH', `/api/v1/users/${owner.id}`, bearer(t.session), { status: 'deactivated' }),
      ]);
      expect(answers.map((r) => r.status)).toEqual([204, 204, 204, 204, 204, 200]);
      for (const k of keys) {
        expect(await authStatus({ 'x-api-key': k.key })).toBe(401);
        expect((await keyOf(t, k.id)).status).toBe('revoked');
      }
    }
  });

  it('lists most recently used first, never-used last', async () => {
    const fresh = await createInstance();
    const [a, b] = [await issue(fresh, { kind: 'organization', description: 'A' }), await issue(fresh, { kind: 'organization', description: 'B' })];
    const never = await issue(fresh, { kind: 'organization', description: 'never' });
    expect(await authStatus({ 'x-api-key': a.key })).toBe(200);
    await eventually(async () => expect((await keyOf(fresh, a.id)).lastUsedAt).toBeDefined(), { timeoutMs: 10_000 });
    expect(await authStatus({ 'x-api-key': b.key })).toBe(200);
    await eventually(
      async () => {
        const ids = ((await call('GET', '/api/v1/keys', bearer(fresh.session))).body.keys as any[]).map((k) => k.id);
        expect(ids.indexOf(b.id)).toBeLessThan(ids.indexOf(a.id));
        expect(ids.indexOf(never.id)).toBeGreaterThan(ids.indexOf(a.id));
      },
      { timeoutMs: 10_000 },
    );
  });

  it('deactivates a user’s keys when they lose their last admin role; upgrading does not revive them', async () => {
    const user = await createUser(t, { query: 'admin' });
    const key = await issue(t, { kind: 'personal', description: 'downgrade', ownerId: user.id });
    expect(await authStatus({ 'x-api-key': key.key })).toBe(200);
    expect((await call('PATCH', `/api/v1/users/${user.id}`, bearer(t.session), { roles: { query: 'reader' } })).status).toBe(200);
    expect(await authStatus({ 'x-api-key': key.key })).toBe(401);
    await eventually(async () => expect(await keyOf(t, key.id)).toMatchObject({ status: 'deactivated', deactivationReason: 'owner_downgraded' }));
    expect((await call('PATCH', `/api/v1/users/${user.id}`, bearer(t.session), { roles: { query: 'admin' } })).status).toBe(200);
    expect(await authStatus({ 'x-api-key': key.key })).toBe(401);
    expect((await keyOf(t, key.id)).status).toBe('deactivated');
    // A new personal key is allowed again.
    expect((await call('POST', '/api/v1/keys', bearer(t.session), { kind: 'personal', description: 'again', ownerId: user.id })).status).toBe(201);
  });

  it('deactivates a user’s keys and sessions when the user is deactivated', async () => {
    const user = await createUser(t, { users: 'admin' });
    const session = await login(t.instanceId, user.email, user.password);
    const key = await issue(t, { kind: 'personal', description: 'deactivate', ownerId: user.id });
    const owned = await issue(t, { kind: 'organization', description: 'owned org key', ownerId: user.id });
    expect(await authStatus(bearer(session))).toBe(200);
    expect((await call('DELETE', `/api/v1/users/${user.id}`, bearer(t.session))).status).toBe(204);
    expect(await authStatus({ 'x-api-key': key.key })).toBe(401);
    expect(await authStatus(bearer(session))).toBe(401);
    await eventually(async () => {
      expect(await keyOf(t, key.id)).toMatchObject({ status: 'deactivated', deactivationReason: 'owner_deactivated' });
      expect(await keyOf(t, owned.id)).toMatchObject({ status: 'deactivated', deactivationReason: 'owner_deactivated' });
    });
    expect(await authStatus({ 'x-api-key': owned.key })).toBe(401);
    expect((await call('PATCH', `/api/v1/users/${user.id}`, bearer(t.session), { status: 'active' })).status).toBe(200);
    expect(await authStatus({ 'x-api-key': key.key })).toBe(401);
  });

  it.each([
    ['UserDowngraded', 'owner_downgraded'],
    ['UserDeactivated', 'owner_deactivated'],
  ])('deactivates keys when the host product publishes %s', async (type, reason) => {
    const user = await createUser(t, { query: 'admin' });
    const key = await issue(t, { kind: 'personal', description: type, ownerId: user.id });
    expect(await authStatus({ 'x-api-key': key.key })).toBe(200);
    const envelope = {
      id: randomUUID(),
      type,
      version: 1,
      instanceId: t.instanceId,
      aggregateId: user.id,
      sequence: 1,
      occurredAt: new Date().toISOString(),
      data: { userId: user.id },
    };
    await produceRaw(testBrokers(), TOPICS.identity, [{ key: user.id, value: JSON.stringify(envelope) }]);
    await eventually(async () => expect(await authStatus({ 'x-api-key': key.key })).toBe(401), { timeoutMs: 10_000 });
    expect(await keyOf(t, key.id)).toMatchObject({ status: 'deactivated', deactivationReason: reason });
  });

  it('answers 404 for another instance’s keys', async () => {
    const other = await createInstance();
    const theirs = await issue(other, { kind: 'organization', description: 'theirs' });
    expect((await call('DELETE', `/api/v1/keys/${theirs.id}`, bearer(t.session))).status).toBe(404);
    expect((await call('DELETE', '/api/v1/keys', bearer(t.session), { ids: [theirs.id] })).status).toBe(404);
    expect(await authStatus({ 'x-api-key': theirs.key })).toBe(200);
    expect(((await call('GET', '/api/v1/keys', bearer(t.session))).body.keys as any[]).some((k) => k.id === theirs.id)).toBe(false);
  });

  it('needs the users admin role or an admin-scoped key for key administration', async () => {
    const reader = await createUser(t, { query: 'reader' });
    const session = await login(t.instanceId, reader.email, reader.password);
    expect((await call('GET', '/api/v1/keys', bearer(session))).status).toBe(403);
    const noAdmin = await issue(t, { kind: 'organization', description: 'no admin', scopes: ['query'] });
    expect((await call('POST', '/api/v1/keys', { 'x-api-key': noAdmin.key }, { kind: 'organization', description: 'x' })).status).toBe(403);
    expect((await call('POST', '/api/v1/keys', { 'x-api-key': t.orgKey }, { kind: 'organization', description: 'x' })).status).toBe(201);
  });

  it('a personal key does no more than its user may, nor more than its scopes allow', async () => {
    // A users admin's key with the query scope only: no key administration.
    const usersAdmin = await createUser(t, { users: 'admin' });
    const queryOnly = await issue(t, { kind: 'personal', description: 'q', scopes: ['query'], ownerId: usersAdmin.id });
    const minted = await call('POST', '/api/v1/keys', { 'x-api-key': queryOnly.key }, { kind: 'organization', description: 'minted' });
    expect([minted.status, minted.body.code]).toEqual([403, 'forbidden']);

    // A user who lost the users admin role cannot give it back to themselves with their admin-scoped key.
    const demoted = await createUser(t, { users: 'admin', query: 'admin' });
    const ownKey = await issue(t, { kind: 'personal', description: 'all scopes', ownerId: demoted.id });
    const demote = await call('PATCH', `/api/v1/users/${demoted.id}`, bearer(t.session), { roles: { users: 'reader', query: 'admin' } });
    expect(demote.status).toBe(200);
    const again = await call('PATCH', `/api/v1/users/${demoted.id}`, { 'x-api-key': ownKey.key }, { roles: { users: 'admin', query: 'admin' } });
    expect([again.status, again.body.code]).toEqual([403, 'forbidden']);
    expect((await call('GET', `/api/v1/users/${demoted.id}`, bearer(t.session))).body.roles).toEqual({ users: 'reader', query: 'admin' });

    // Still a users admin, and the key has the admin scope: allowed.
    const admin = await createUser(t, { users: 'admin' });
    const adminKey = await issue(t, { kind: 'personal', description: 'admin', scopes: ['admin'], ownerId: admin.id });
    expect((await call('GET', '/api/v1/keys', { 'x-api-key': adminKey.key })).status).toBe(200);
  });

  it('publishes every event of a key, its use by the gateway included, under the key\'s own message key', async () => {
    const collector = await collectMessages(testBrokers(), [TOPICS.keys]);
    try {
      const issued = await issue(t, { kind: 'organization', description: 'followed', scopes: ['query'] });
      expect((await call('GET', '/api/v1/auth/me', { 'x-api-key': issued.key })).status).toBe(200);
      await eventually(
        async () => {
          const mine = collector.messages.map((m) => ({ ...m, event: JSON.parse(m.value) })).filter((m) => m.event.data?.keyId === issued.id);
          expect(mine.map((m) => m.event.type)).toEqual(expect.arrayContaining(['KeyIssued', 'KeyUsed']));
          // One aggregate, one partition: a subscriber never sees a key's use before its issue.
          expect(new Set(mine.map((m) => [m.key, m.event.aggregateId, m.partition].join(' ')))).toEqual(new Set([`key:${issued.id} key:${issued.id} ${mine[0].partition}`]));
        },
        { timeoutMs: 15_000 },
      );
    } finally {
      await collector.stop();
    }
  });
});
