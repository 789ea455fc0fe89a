import { randomBytes } from 'node:crypto';
import type { Principal } from '@tollgate/auth';
import { scrapeMetrics } from '@tollgate/testing';
import { startKeysApp, type KeysTestApp } from '../testing/keys-app.fixture';

jest.setTimeout(60_000);

const instanceId = `logins-${randomBytes(3).toString('hex')}`;
const system: Principal = { instanceId: '', kind: 'system', scopes: [] };
const operator: Principal = { instanceId: '', kind: 'operator', scopes: [] };
const password = 'pw-of-the-admin-123';

/**
 * Failed console logins per account and client (the one the gateway names), counted in keys'
 * database, so every gateway counts the same attempts (see login-limits-across-gateways.e2e).
 */
describe('failed console logins (keys, real PostgreSQL)', () => {
  let keys: KeysTestApp;

  beforeAll(async () => {
    keys = await startKeysApp('keys_logins', { LOGIN_FAILURE_LIMIT: '4' });
    expect((await keys.call('POST', '/instances', operator, { id: instanceId, name: 'Logins', dailyCredits: 10, timezone: 'UTC' })).status).toBe(201);
    for (const email of ['admin@logins.test', 'other@logins.test']) {
      const user = await keys.call('POST', `/instances/${instanceId}/users`, operator, { email, name: 'Admin', password, roles: { users: 'admin' } });
      expect(user.status).toBe(201);
    }
  });

  afterAll(async () => {
    await keys?.close();
  });

  const login = (body: { email: string; password: string; client?: string }) =>
    keys.call('POST', '/sessions', system, { instance: instanceId, ...body });

  /** This service's count of refused logins, by outcome, as an operator's scraper reads it. */
  const refused = async () => {
    const value = await scrapeMetrics(keys.url);
    return { failed: value('tollgate_login_failures_total{outcome="failed"}'), limited: value('tollgate_login_failures_total{outcome="limited"}') };
  };

  it("refuses one client's logins to an account after its failures, the right password included, and nobody else's", async () => {
    const client = '203.0.113.7';
    const before = await refused();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await login({ email: 'admin@logins.test', password: `guess-${i}`, client })).status);
    expect(statuses).toEqual([401, 401, 401, 401]);

    // The account as the login finds it: the email in any case.
    const limited = await login({ email: 'Admin@Logins.test', password, client });
    expect([limited.status, limited.body.code]).toEqual([429, 'rate_limited']);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(800);
    // The account from another client, and another account from this client, sign in as before.
    expect((await login({ email: 'admin@logins.test', password, client: '2001:db8:7:8::/64' })).status).toBe(201);
    expect((await login({ email: 'other@logins.test', password, client })).status).toBe(201);
    // An operator sees them: the failures, and the logins refused for them.
    expect(await refused()).toEqual({ failed: before.failed + 4, limited: before.limited + 1 });
  });

  it('clears the count at a successful login, and counts an unknown account like a known one', async () => {
    const client = '198.51.100.9';
    for (let i = 0; i < 3; i++) expect((await login({ email: 'other@logins.test', password: 'wrong', client })).status).toBe(401);
    expect((await login({ email: 'other@logins.test', password, client })).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await login({ email: 'other@logins.test', password: 'wrong', client })).status).toBe(401);
    expect((await login({ email: 'other@logins.test', password, client })).status).toBe(201);

    for (let i = 0; i < 4; i++) expect((await login({ email: 'nobody@logins.test', password, client })).status).toBe(401);
    expect((await login({ email: 'nobody@logins.test', password, client })).status).toBe(429);
  });

  it('keeps no address or email in the table, only digests', async () => {
    const rows: { key: string }[] = await keys.db.dataSource.query(`SELECT key FROM login_failures`);
    expect(rows.length).toBeGreaterThan(0);
    for (const { key } of rows) expect(key).toMatch(/^login:[0-9a-f]{64}$/);
  });
});
