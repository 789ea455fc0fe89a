import { randomUUID } from 'node:crypto';
import { api, e2ePlatform } from '@tollgate/testing';
import { PRINCIPAL_HEADER, PrincipalTokens } from '@tollgate/auth';
import { authStatus, bearer, call, createInstance, createUser, defineEntities, issue, login, operator, type TestInstance } from './identity-e2e.fixture';

jest.setTimeout(30_000);

describe('operator and identity', () => {
  let t: TestInstance;
  beforeAll(async () => {
    t = await createInstance();
  });

  it('creates an instance with its credit account, and changes its plan', async () => {
    const id = `i${randomUUID().slice(0, 8)}`;
    const created = await call('POST', '/api/v1/operator/instances', operator(), { id, name: 'Plan', dailyCredits: 500, timezone: 'Europe/Paris' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id, name: 'Plan', dailyCredits: 500, timezone: 'Europe/Paris' });
    expect((await call('POST', '/api/v1/operator/instances', operator(), { id, name: 'Again', dailyCredits: 1, timezone: 'UTC' })).status).toBe(409);
    const changed = await call('PATCH', `/api/v1/operator/instances/${id}`, operator(), { dailyCredits: 800 });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id, dailyCredits: 800, timezone: 'Europe/Paris' });
    expect((await call('PATCH', '/api/v1/operator/instances/nosuchinstance', operator(), { dailyCredits: 1 })).status).toBe(404);
    const user = await call('POST', `/api/v1/operator/instances/${id}/users`, operator(), {
      email: 'first@plan.test',
      name: 'First',
      password: 'first-password',
      roles: { users: 'admin' },
    });
    expect(user.status).toBe(201);
    const session = await login(id, 'first@plan.test', 'first-password');
    const credits = await call('GET', '/api/v1/credits', bearer(session));
    expect(credits.status).toBe(200);
    expect(credits.body).toMatchObject({ dailyAllowance: 800, timezone: 'Europe/Paris' });
  });

  it('spells a time zone given in any case the IANA way, in its answers and its credit account', async () => {
    const id = `i${randomUUID().slice(0, 8)}`;
    const created = await call('POST', '/api/v1/operator/instances', operator(), { id, name: 'Zone', dailyCredits: 5, timezone: 'america/new_york' });
    expect([created.status, created.body.timezone]).toEqual([201, 'America/New_York']);
    const same = await call('PATCH', `/api/v1/operator/instances/${id}`, operator(), { timezone: 'AMERICA/NEW_YORK' });
    expect([same.status, same.body.timezone]).toEqual([200, 'America/New_York']);
    await call('POST', `/api/v1/operator/instances/${id}/users`, operator(), { email: 'z@zone.test', name: 'Z', password: 'zone-password', roles: { users: 'admin' } });
    const credits = await call('GET', '/api/v1/credits', bearer(await login(id, 'z@zone.test', 'zone-password')));
    expect(credits.body.timezone).toBe('America/New_York');
    const moved = await call('PATCH', `/api/v1/operator/instances/${id}`, operator(), { timezone: 'utc' });
    expect(moved.body.timezone).toBe('UTC');
  });

  it('validates operator input', async () => {
    for (const body of [
      { id: 'Bad Id', name: 'x', dailyCredits: 1, timezone: 'UTC' },
      { id: 'okid', name: 'x', dailyCredits: -1, timezone: 'UTC' },
      { id: 'okid', name: 'x', dailyCredits: 1, timezone: 'Mars/Olympus' },
      // The pool is counted in 32-bit integers.
      { id: 'okid', name: 'x', dailyCredits: 2_147_483_648, timezone: 'UTC' },
    ]) {
      const res = await call('POST', '/api/v1/operator/instances', operator(), body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    }
    expect((await call('POST', '/api/v1/operator/instances/nosuchinstance/users', operator(), { email: 'a@b.test', name: 'a', roles: {} })).status).toBe(404);
    const tooMuch = await call('PATCH', `/api/v1/operator/instances/${t.instanceId}`, operator(), { dailyCredits: 3_000_000_000 });
    expect([tooMuch.status, tooMuch.body.errors]).toEqual([400, [{ field: 'dailyCredits', message: 'dailyCredits must not be greater than 2147483647' }]]);
  });

  it('logs in with email and password; wrong ones get 401', async () => {
    expect(await login(t.instanceId, t.adminEmail.toUpperCase(), t.password)).toMatch(/^tgs_/);
    // Instance ids are lower case; a person may type theirs otherwise at sign-in.
    expect(await login(t.instanceId.toUpperCase(), t.adminEmail, t.password)).toMatch(/^tgs_/);
    for (const body of [
      { instance: t.instanceId, email: t.adminEmail, password: 'wrong-password' },
      { instance: t.instanceId, email: 'nobody@x.test', password: t.password },
      { instance: 'otherinstance', email: t.adminEmail, password: t.password },
    ]) {
      const res = await call('POST', '/api/v1/auth/login', {}, body);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_token');
    }
  });

  it('manages users: create, list, get, roles, deactivate, groups', async () => {
    const created = await call('POST', '/api/v1/users', bearer(t.session), { email: 'ann@x.test', name: 'Ann', roles: { query: 'contributor' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'ann@x.test', name: 'Ann', roles: { query: 'contributor' }, status: 'active', groups: [] });
    expect(created.body.password).toBeUndefined();
    expect((await call('POST', '/api/v1/users', bearer(t.session), { email: 'ann@x.test', name: 'Ann', roles: {} })).status).toBe(409);
    expect((await call('POST', '/api/v1/users', bearer(t.session), { email: 'nope', name: 'Ann', roles: {} })).status).toBe(400);
    expect((await call('POST', '/api/v1/users', bearer(t.session), { email: 'b@x.test', name: 'B', roles: { query: 'owner' } })).status).toBe(400);
    const blank = await call('POST', '/api/v1/users', bearer(t.session), { email: 'c@x.test', name: '   ', roles: {} });
    expect([blank.status, blank.body.errors]).toEqual([400, [{ field: 'name', message: 'name must not be blank' }]]);
    const id = created.body.id;
    const list = await call('GET', '/api/v1/users', bearer(t.session));
    expect(list.body.users.map((u: any) => u.id)).toEqual(expect.arrayContaining([t.adminId, id]));
    expect((await call('GET', `/api/v1/users/${id}`, bearer(t.session))).body.email).toBe('ann@x.test');

    const group = await call('POST', '/api/v1/groups', bearer(t.session), { name: 'analysts', members: [id] });
    expect(group.status).toBe(201);
    expect((await call('POST', '/api/v1/groups', bearer(t.session), { name: 'ghosts', members: [randomUUID()] })).status).toBe(400);
    expect((await call('POST', '/api/v1/groups', bearer(t.session), { name: ' \t ', members: [] })).body.errors).toEqual([{ field: 'name', message: 'name must not be blank' }]);
    const other = await call('POST', '/api/v1/groups', bearer(t.session), { name: 'reviewers', members: [] });
    const moved = await call('PATCH', `/api/v1/users/${id}`, bearer(t.session), { roles: { query: 'admin' }, groups: [other.body.id] });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ roles: { query: 'admin' }, groups: [other.body.id] });
    expect((await call('GET', `/api/v1/groups/${group.body.id}`, bearer(t.session))).body.members).toEqual([]);
    expect((await call('GET', '/api/v1/groups', bearer(t.session))).body.groups.map((g: any) => g.name)).toEqual(expect.arrayContaining(['analysts', 'reviewers']));
    expect((await call('DELETE', `/api/v1/groups/${group.body.id}`, bearer(t.session))).status).toBe(204);
    expect((await call('GET', `/api/v1/groups/${group.body.id}`, bearer(t.session))).status).toBe(404);

    expect((await call('DELETE', `/api/v1/users/${id}`, bearer(t.session))).status).toBe(204);
    expect((await call('GET', `/api/v1/users/${id}`, bearer(t.session))).body.status).toBe('deactivated');
    expect((await call('PATCH', `/api/v1/users/${id}`, bearer(t.session), { status: 'active' })).body.status).toBe('active');
    expect((await call('PATCH', `/api/v1/users/${id}`, bearer(t.session), { status: 'gone' })).status).toBe(400);
  });

  it('takes the ids it gave out in capitals too, as GET already does', async () => {
    const user = await createUser(t, { query: 'admin' });
    const upper = user.id.toUpperCase();
    expect((await call('GET', `/api/v1/users/${upper}`, bearer(t.session))).status).toBe(200);
    const changed = await call('PATCH', `/api/v1/users/${upper}`, bearer(t.session), { roles: { query: 'admin', flows: 'reader' } });
    expect([changed.status, changed.body.id]).toEqual([200, user.id]);
    const group = await call('POST', '/api/v1/groups', bearer(t.session), { name: 'capitals', members: [upper] });
    expect([group.status, group.body.members]).toEqual([201, [user.id]]);
    const key = await issue(t, { kind: 'personal', description: 'capitals', ownerId: upper });
    expect(key).toMatchObject({ ownerId: user.id });
    expect((await call('DELETE', `/api/v1/keys/${key.id.toUpperCase()}`, bearer(t.session))).status).toBe(204);
    expect(await authStatus({ 'x-api-key': key.key })).toBe(401);
    const [a, b] = await Promise.all([1, 2].map((i) => issue(t, { kind: 'organization', description: `capitals ${i}` })));
    expect((await call('DELETE', '/api/v1/keys', bearer(t.session), { ids: [a.id.toUpperCase(), a.id, b.id.toUpperCase()] })).status).toBe(204);
    expect([await authStatus({ 'x-api-key': a.key }), await authStatus({ 'x-api-key': b.key })]).toEqual([401, 401]);
    expect((await call('DELETE', `/api/v1/users/${upper}`, bearer(t.session))).status).toBe(204);
    expect((await call('GET', `/api/v1/users/${user.id}`, bearer(t.session))).body.status).toBe('deactivated');
  });

  it('knows an address with accents as one user however its accents were encoded', async () => {
    const composed = 'zo\u00eb@accents.test';
    const decomposed = 'zoe\u0308@accents.test';
    const created = await call('POST', '/api/v1/users', bearer(t.session), { email: decomposed, name: 'Zoë', password: 'accented-password', roles: { query: 'admin' } });
    expect([created.status, created.body.email]).toEqual([201, composed]);
    const twin = await call('POST', '/api/v1/users', bearer(t.session), { email: composed, name: 'Zoë again', roles: {} });
    expect([twin.status, twin.body.code]).toEqual([409, 'conflict']);
    for (const email of [composed, decomposed]) expect(await login(t.instanceId, email, 'accented-password')).toMatch(/^tgs_/);
  });

  it('always keeps one active users admin', async () => {
    const fresh = await createInstance();
    const demote = await call('PATCH', `/api/v1/users/${fresh.adminId}`, bearer(fresh.session), { roles: { query: 'admin' } });
    expect(demote.status).toBe(409);
    expect(demote.body.message).toMatch(/at least one active users admin/);
    expect((await call('DELETE', `/api/v1/users/${fresh.adminId}`, bearer(fresh.session))).status).toBe(409);
    const second = await createUser(fresh, { users: 'admin' });
    expect((await call('DELETE', `/api/v1/users/${fresh.adminId}`, bearer(fresh.session))).status).toBe(204);
    expect((await call('DELETE', `/api/v1/users/${second.id}`, { 'x-api-key': fresh.orgKey })).status).toBe(409);
  });

  it('needs the users admin role or an admin-scoped key', async () => {
    const reader = await createUser(t, { query: 'admin' });
    const session = await login(t.instanceId, reader.email, reader.password);
    const res = await call('POST', '/api/v1/users', bearer(session), { email: 'z@x.test', name: 'Z', roles: {} });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('forbidden');
    expect((await call('GET', '/api/v1/users', bearer(session))).status).toBe(403);
    const queryKey = await issue(t, { kind: 'organization', description: 'q', scopes: ['query'] });
    expect((await call('GET', '/api/v1/users', { 'x-api-key': queryKey.key })).status).toBe(403);
    expect((await call('GET', '/api/v1/users', { 'x-api-key': t.orgKey })).status).toBe(200);
  });

  it('answers 404 for another instance’s users and groups', async () => {
    const other = await createInstance();
    const group = await call('POST', '/api/v1/groups', bearer(other.session), { name: 'theirs', members: [] });
    expect((await call('GET', `/api/v1/users/${other.adminId}`, bearer(t.session))).status).toBe(404);
    expect((await call('PATCH', `/api/v1/users/${other.adminId}`, bearer(t.session), { roles: {} })).status).toBe(404);
    expect((await call('DELETE', `/api/v1/users/${other.adminId}`, bearer(t.session))).status).toBe(404);
    expect((await call('GET', `/api/v1/groups/${group.body.id}`, bearer(t.session))).status).toBe(404);
    expect((await call('DELETE', `/api/v1/groups/${group.body.id}`, bearer(t.session))).status).toBe(404);
    expect((await call('POST', '/api/v1/keys', bearer(t.session), { kind: 'personal', description: 'x', ownerId: other.adminId })).status).toBe(404);
    expect((await call('GET', '/api/v1/users/not-a-uuid', bearer(t.session))).status).toBe(404);
  });

  it('services refuse forged, absent or stale principals on their own ports', async () => {
    const { urls } = e2ePlatform();
    const forger = new PrincipalTokens('x'.repeat(40));
    const forged = await forger.sign({ instanceId: t.instanceId, kind: 'operator', scopes: ['admin'] });
    const attempts: Record<string, string>[] = [
      {},
      { [PRINCIPAL_HEADER]: forged },
      { [PRINCIPAL_HEADER]: 'garbage' },
      { [PRINCIPAL_HEADER]: JSON.stringify({ instanceId: t.instanceId, kind: 'operator' }) },
    ];
    for (const headers of attempts) {
      for (const [method, target] of [
        ['GET', `${urls.keys}/users`],
        ['GET', `${urls.keys}/keys`],
        ['PUT', `${urls.credits}/accounts/${t.instanceId}`],
      ]) {
        const res = await api(method, target, { headers, body: method === 'PUT' ? { dailyCredits: 1, timezone: 'UTC' } : undefined });
        expect({ target, status: res.status, code: res.body.code }).toEqual({ target, status: 401, code: 'invalid_token' });
      }
    }
    const verify = await api('POST', `${urls.keys}/credentials/verify`, { body: { credential: t.orgKey } });
    expect(verify.status).toBe(401);
  });

  it('refuses the NUL character, which no database column can hold, naming where it is', async () => {
    const user = await call('POST', '/api/v1/users', bearer(t.session), { email: 'nul@x.test', name: 'a\u0000b', roles: { query: 'reader' } });
    expect([user.status, user.body.code, user.body.errors]).toEqual([400, 'validation_failed', [{ field: 'name', message: 'must not contain the NUL character (\\u0000)' }]]);
    const key = await call('POST', '/api/v1/keys', bearer(t.session), { kind: 'organization', description: 'x', scopes: ['query', 'a\u0000'] });
    expect(key.body.errors).toEqual([{ field: 'scopes.1', message: 'must not contain the NUL character (\\u0000)' }]);
    const loginAttempt = await call('POST', '/api/v1/auth/login', {}, { instance: 'de\u0000mo', email: 'a@x.test', password: 'password123' });
    expect([loginAttempt.status, loginAttempt.body.code]).toEqual([400, 'validation_failed']);
    const inPath = await call('GET', '/api/v1/users/a%00b', bearer(t.session));
    expect([inPath.status, inPath.body.code, inPath.body.errors]).toEqual([400, 'validation_failed', [{ field: 'url', message: 'must not contain the NUL character (%00)' }]]);
    const inQuery = await call('PATCH', '/api/v1/operator/instances/x%00y', operator(), { dailyCredits: 5 });
    expect([inQuery.status, inQuery.body.code]).toEqual([400, 'validation_failed']);
    expect((await call('GET', '/api/v1/users', bearer(t.session))).body.users.some((u: { email: string }) => u.email === 'nul@x.test')).toBe(false);
  });

  it('shows groups to user and flow administrators only', async () => {
    const group = await call('POST', '/api/v1/groups', bearer(t.session), { name: `readers ${randomUUID().slice(0, 6)}`, members: [] });
    expect(group.status).toBe(201);
    const reader = await createUser(t, { query: 'reader' });
    const readerSession = await login(t.instanceId, reader.email, reader.password);
    await defineEntities(t, ['graphs']);
    const dataKey = await issue(t, { kind: 'data', description: 'graphs', scopes: ['query'], entities: ['graphs'] });
    const flowsKey = await issue(t, { kind: 'organization', description: 'flows', scopes: ['flows'] });
    const contributor = await createUser(t, { flows: 'contributor' });
    const contributorSession = await login(t.instanceId, contributor.email, contributor.password);
    const status = async (headers: Record<string, string>) => (await call('GET', `/api/v1/groups/${group.body.id}`, headers)).status;
    expect(await status(bearer(readerSession))).toBe(403);
    expect(await status({ 'x-api-key': dataKey.key })).toBe(403);
    expect((await call('GET', '/api/v1/groups', { 'x-api-key': dataKey.key })).status).toBe(403);
    expect(await status({ 'x-api-key': flowsKey.key })).toBe(200);
    expect(await status(bearer(contributorSession))).toBe(200);
    expect(await status(bearer(t.session))).toBe(200);
  });

  it('lets a session change flows only when its user is admin or contributor of a module', async () => {
    const flow = (name: string) => ({ app: 'Roles', name, description: 'x', mode: 'sync', steps: [{ type: 'response', body: '"ok"' }] });
    const reader = await createUser(t, { query: 'reader' });
    const readerSession = await login(t.instanceId, reader.email, reader.password);
    const refused = await call('POST', '/api/v1/flows', bearer(readerSession), flow('by reader'));
    expect([refused.status, refused.body.code]).toEqual([403, 'forbidden']);
    expect((await call('GET', '/api/v1/flows', bearer(readerSession))).status).toBe(403);

    const contributor = await createUser(t, { flows: 'contributor' });
    const contributorSession = await login(t.instanceId, contributor.email, contributor.password);
    const created = await call('POST', '/api/v1/flows', bearer(contributorSession), flow(`by contributor ${randomUUID().slice(0, 6)}`));
    expect(created.status).toBe(201);
    expect((await call('DELETE', `/api/v1/flows/${created.body.id}`, bearer(readerSession))).status).toBe(403);
    expect((await call('DELETE', `/api/v1/flows/${created.body.id}`, bearer(contributorSession))).status).toBe(204);
  });

  it('says in the OpenAPI document which identity routes answer 409, and for what', async () => {
    const doc = (await call('GET', '/api/docs-json', {})).body;
    const conflicts = [
      ['/api/v1/keys', 'post', '`key_exists`: the owner already has an active personal key'],
      ['/api/v1/users', 'post', 'email'],
      ['/api/v1/users/{id}', 'patch', 'users admin'],
      ['/api/v1/users/{id}', 'delete', 'users admin'],
      ['/api/v1/groups', 'post', 'name'],
      ['/api/v1/operator/instances', 'post', 'id'],
      ['/api/v1/operator/instances/{id}/users', 'post', 'email'],
    ];
    for (const [path, method, what] of conflicts) {
      const conflict = doc.paths[path][method].responses['409'];
      expect([path, method, conflict?.description]).toEqual([path, method, expect.stringContaining(what)]);
      expect(conflict.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ApiError' });
    }
  });
});
