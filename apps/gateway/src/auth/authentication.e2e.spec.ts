import { request as httpRequest } from 'node:http';
import { e2ePlatform, eventually } from '@tollgate/testing';
import { generateCredential } from '@tollgate/auth';
import { authStatus, bearer, call, createInstance, defineEntities, issue, login, loginFrom, operator, url, type TestInstance } from '../identity/identity-e2e.fixture';

const INVALID = { status: 'error', code: 'invalid_token', message: 'Invalid token' };

describe('gateway authentication', () => {
  let t: TestInstance;
  beforeAll(async () => {
    t = await createInstance();
  });

  it('accepts a key in every documented transport', async () => {
    expect(await authStatus({ 'x-api-key': t.orgKey })).toBe(200);
    expect(await authStatus(bearer(t.orgKey))).toBe(200);
    expect(await authStatus({}, `?access_token=${t.orgKey}`)).toBe(200);
    expect(await authStatus({}, `?key=${t.orgKey}`)).toBe(200);
    const json = await call('POST', '/api/v1/groups', { 'content-type': 'application/json' }, { access_token: t.orgKey, name: 'json', members: [] });
    expect(json.status).toBe(201);
    const form = await fetch(url('/api/v1/groups'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: t.orgKey, name: 'form' }).toString(),
    });
    // Authenticated by the form field; the group body then fails validation (members missing), not authentication.
    expect(form.status).toBe(400);
    const unauthenticatedForm = await fetch(url('/api/v1/groups'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'form' }).toString(),
    });
    expect(unauthenticatedForm.status).toBe(401);
  });

  it('names the scheme on every 401, a failed login\'s too', async () => {
    const login = await call('POST', '/api/v1/auth/login', {}, { instance: t.instanceId, email: t.adminEmail, password: 'not it' });
    expect([login.status, login.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="tollgate"']);
  });

  it('accepts a console session as a Bearer token', async () => {
    expect(await authStatus(bearer(t.session))).toBe(200);
  });

  it('answers every failure with the same 401', async () => {
    const revoked = await issue(t, { kind: 'organization', description: 'to revoke' });
    expect((await call('DELETE', `/api/v1/keys/${revoked.id}`, bearer(t.session))).status).toBe(204);
    const expiring = await issue(t, { kind: 'organization', description: 'expires', expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect(await authStatus(bearer(expiring.key))).toBe(200);
    const flipped = t.orgKey.slice(0, 10) + (t.orgKey[10] === 'a' ? 'b' : 'a') + t.orgKey.slice(11);
    const cases: Record<string, Record<string, string>> = {
      missing: {},
      malformed: bearer('not-a-key'),
      'not bearer': { authorization: `Basic ${t.orgKey}` },
      truncated: { 'x-api-key': t.orgKey.slice(0, -3) },
      'bad checksum': { 'x-api-key': flipped },
      unknown: { 'x-api-key': generateCredential('organization') },
      'unknown session': bearer(generateCredential('session')),
      revoked: { 'x-api-key': revoked.key },
      'operator token outside operator routes': operator(),
    };
    for (const [cause, headers] of Object.entries(cases)) {
      const res = await call('GET', '/api/v1/groups', headers);
      expect({ cause, status: res.status, body: { ...res.body, requestId: undefined }, challenge: res.headers.get('www-authenticate') }).toEqual({
        cause,
        status: 401,
        body: { ...INVALID, requestId: undefined },
        challenge: 'Bearer realm="tollgate"',
      });
    }
    await eventually(async () => expect(await authStatus(bearer(expiring.key))).toBe(401), { timeoutMs: 5000 });
  });

  it('signs a console session out: refused from then on, also where it was cached; keys are not signed out', async () => {
    const session = await login(t.instanceId, t.adminEmail, t.password);
    expect(await authStatus(bearer(session))).toBe(200); // now cached by the gateway
    const out = await call('POST', '/api/v1/auth/logout', bearer(session));
    expect(out.status).toBe(204);
    expect(await authStatus(bearer(session))).toBe(401);
    expect((await call('POST', '/api/v1/auth/logout', bearer(session))).status).toBe(401);
    const withKey = await call('POST', '/api/v1/auth/logout', { 'x-api-key': t.orgKey });
    expect([withKey.status, withKey.body.code]).toEqual([403, 'forbidden']);
    expect(await authStatus({ 'x-api-key': t.orgKey })).toBe(200);
    expect(await authStatus(bearer(t.session))).toBe(200); // the user's other sessions go on
  });

  it('refuses API keys and sessions on operator routes, and the operator token elsewhere', async () => {
    const body = { id: 'nope-instance', name: 'x', dailyCredits: 1, timezone: 'UTC' };
    expect((await call('POST', '/api/v1/operator/instances', { 'x-api-key': t.orgKey }, body)).status).toBe(401);
    expect((await call('POST', '/api/v1/operator/instances', bearer(t.session), body)).status).toBe(401);
    expect((await call('GET', '/api/v1/keys', operator())).status).toBe(401);
    // Refused before the body or parameters are looked at: a key learns nothing of what they take.
    const refusals = [
      await call('POST', '/api/v1/operator/instances', { 'x-api-key': t.orgKey }, {}),
      await call('PATCH', `/api/v1/operator/instances/${t.instanceId}`, { 'x-api-key': t.orgKey }, { dailyCredits: -1 }),
      await call('POST', `/api/v1/operator/instances/${t.instanceId}/users`, bearer(t.session), { colour: 'red' }),
      await call('GET', `/api/v1/operator/instances/${t.instanceId}/credits/audit?day=not-a-day`, { 'x-api-key': t.orgKey }),
    ];
    expect(refusals.map((r) => [r.status, r.body.code])).toEqual(Array(4).fill([401, 'invalid_token']));
  });

  it('takes the operator token only from the Authorization header', async () => {
    const token = e2ePlatform().operatorToken;
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date()); // the instance's day
    const audit = `/api/v1/operator/instances/${t.instanceId}/credits/audit?day=${today}`;
    expect((await call('GET', audit, operator())).status).toBe(200);
    const elsewhere = [
      await call('GET', `${audit}&key=${token}`, {}),
      await call('GET', `${audit}&access_token=${token}`, {}),
      await call('GET', audit, { 'x-api-key': token }),
      await call('PATCH', `/api/v1/operator/instances/${t.instanceId}`, { 'content-type': 'application/json' }, { access_token: token, dailyCredits: 5 }),
    ];
    expect(elsewhere.map((r) => [r.status, r.body.code])).toEqual(Array(4).fill([401, 'invalid_token']));
  });

  it('refuses a request whose credentials disagree, whichever of them is valid', async () => {
    const other = await issue(t, { kind: 'organization', description: 'second key' });
    const revoked = await issue(t, { kind: 'organization', description: 'revoked beside a valid one' });
    expect((await call('DELETE', `/api/v1/keys/${revoked.id}`, bearer(t.session))).status).toBe(204);
    const disagreeing: Array<[Record<string, string>, string]> = [
      [{ 'x-api-key': t.orgKey, ...bearer(other.key) }, ''],
      [{ 'x-api-key': t.orgKey }, `?key=${revoked.key}`],
      [{ 'x-api-key': revoked.key }, `?access_token=${t.orgKey}`],
      [bearer(t.session), `?key=${t.orgKey}`],
      [{}, `?access_token=${t.orgKey}&key=${other.key}`],
    ];
    for (const [headers, query] of disagreeing) {
      const res = await call('GET', `/api/v1/auth/me${query}`, headers);
      expect({ headers, query, status: res.status, code: res.body.code }).toEqual({ headers, query, status: 401, code: 'invalid_token' });
    }
    // The same credential in two places is no disagreement.
    expect(await authStatus({ 'x-api-key': t.orgKey, ...bearer(t.orgKey) }, `?key=${t.orgKey}`)).toBe(200);
  });

  it('answers a credential parameter given twice as a bad parameter, also where a credential is optional', async () => {
    const twice = [
      await call('GET', `/api/v1/auth/me?key=${t.orgKey}&key=${t.orgKey}`, {}),
      await call('GET', `/api/v1/auth/me?access_token=${t.orgKey}&access_token=${t.orgKey}`, { 'x-api-key': t.orgKey }),
      // A trigger URL takes anonymous callers: a repeated key must not pass as no key at all.
      await call('POST', `/api/1/action/nowhere/nothing/trigger?key=${t.orgKey}&key=${t.orgKey}`, {}),
    ];
    expect(twice.map((r) => [r.status, r.body.code, r.body.errors?.[0]?.field])).toEqual([
      [400, 'validation_failed', 'key'],
      [400, 'validation_failed', 'access_token'],
      [400, 'validation_failed', 'key'],
    ]);
  });

  it('rate-limits an address that keeps failing, with Retry-After', async () => {
    // From another loopback address, so the rest of the suite is not limited.
    const attempt = (key = generateCredential('data')) =>
      new Promise<{ status: number; retryAfter?: string; code?: string }>((resolve, reject) => {
        const req = httpRequest(url('/api/v1/groups'), { localAddress: '127.0.0.2', headers: { 'x-api-key': key } }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string, code: JSON.parse(text).code }));
        });
        req.on('error', reject);
        req.end();
      });
    let last = await attempt();
    for (let i = 0; i < 200 && last.status === 401; i++) last = await attempt();
    expect(last.status).toBe(429);
    expect(last.code).toBe('rate_limited');
    expect(Number(last.retryAfter)).toBeGreaterThan(0);
    // The limited address is refused even with a valid key; others are not affected.
    expect(await attempt(t.orgKey)).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(await authStatus({ 'x-api-key': t.orgKey })).toBe(200);
  });

  it("stops guessing one account's password from one address long before the address's own limit, and nobody else's sign-in", async () => {
    const other = await createInstance();
    // From another loopback address than the rest of the suite (and than the test above).
    const guess = (password: string) => loginFrom('127.0.0.3', { instance: t.instanceId, email: t.adminEmail, password });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await guess(`guess-${i}`)).status);
    expect(statuses).toEqual(new Array(10).fill(401));
    // The right password no longer gets through from there: the guesses stop, whatever the next one.
    const limited = await guess(t.password);
    expect([limited.status, limited.code]).toEqual([429, 'rate_limited']);
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);
    // Another account from that address, and the account from anywhere else, sign in as before.
    expect((await loginFrom('127.0.0.3', { instance: other.instanceId, email: other.adminEmail, password: other.password })).status).toBe(200);
    expect(await login(t.instanceId, t.adminEmail, t.password)).toMatch(/^tgs_/);
  });

  it('checks scopes: 403 forbidden when the key lacks them', async () => {
    await defineEntities(t, ['orders']);
    const data = await issue(t, { kind: 'data', description: 'reader', entities: ['orders'] });
    const res = await call('GET', '/api/v1/keys', { 'x-api-key': data.key });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('forbidden');
  });
});
