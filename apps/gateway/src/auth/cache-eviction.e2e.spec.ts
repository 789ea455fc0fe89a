import { PRINCIPAL_HEADER, PrincipalTokens } from '@tollgate/auth';
import { api, e2ePlatform, eventually } from '@tollgate/testing';
import { authStatus, bearer, call, createInstance, issue, login, operator } from '../identity/identity-e2e.fixture';
import { as, defineAndLoad } from '../query/query-e2e.fixture';

jest.setTimeout(30_000);

describe('verification cache eviction', () => {
  it('refuses a cached key once another party revoked it (KeyRevoked reaches every gateway)', async () => {
    const t = await createInstance();
    const key = await issue(t, { kind: 'organization', description: 'revoked elsewhere' });
    expect(await authStatus({ 'x-api-key': key.key })).toBe(200);
    expect(await authStatus({ 'x-api-key': key.key })).toBe(200);
    // Revoked straight at keys, as another gateway would: this gateway learns it from the event only.
    const { urls, internalSecret } = e2ePlatform();
    const principal = await new PrincipalTokens(internalSecret).sign({
      instanceId: t.instanceId,
      kind: 'session',
      userId: t.adminId,
      roles: { users: 'admin' },
      scopes: ['admin'],
    });
    const started = Date.now();
    expect((await api('DELETE', `${urls.keys}/keys/${key.id}`, { headers: { [PRINCIPAL_HEADER]: principal } })).status).toBe(204);
    await eventually(async () => expect(await authStatus({ 'x-api-key': key.key })).toBe(401), { timeoutMs: 5000 });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses a cached console session once it was signed out through another gateway (SessionEnded), well before the cache TTL', async () => {
    const t = await createInstance();
    const session = await login(t.instanceId, t.adminEmail, t.password);
    const other = await login(t.instanceId, t.adminEmail, t.password);
    expect(await authStatus(bearer(session))).toBe(200);
    expect(await authStatus(bearer(session))).toBe(200); // cached here for AUTH_CACHE_TTL_MS (30 s)
    expect(await authStatus(bearer(other))).toBe(200);
    // Signed out straight at keys, as another gateway does: this gateway learns it from the event only.
    const { urls, internalSecret } = e2ePlatform();
    const system = await new PrincipalTokens(internalSecret).sign({ instanceId: t.instanceId, kind: 'system', scopes: [] });
    const started = Date.now();
    const ended = await api('POST', `${urls.keys}/sessions/end`, { headers: { [PRINCIPAL_HEADER]: system }, body: { credential: session } });
    expect(ended.status).toBe(204);
    await eventually(async () => expect(await authStatus(bearer(session))).toBe(401), { timeoutMs: 5000 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await authStatus(bearer(other))).toBe(200); // the user's other session goes on
  });

  it("gives cached keys the instance's new time zone as soon as the operator changes it (InstancePlanChanged), well before the cache TTL", async () => {
    const t = await createInstance(); // Europe/Paris
    // 23:30 UTC on the 5th is the 6th in Paris and still the 5th in UTC.
    await defineAndLoad(t.orgKey, 'late_night', [], [{ id: 'n1', title: 'After midnight in Paris', createdAt: '2026-01-05T23:30:00Z' }]);
    const onDay = async (day: string) => {
      const res = await as(t.orgKey, 'GET', `/api/v1/entities/late_night?from=${day}&to=${day}`);
      expect(res.status).toBe(200);
      return res.body.data.late_night.map((r: { id: string }) => r.id);
    };
    expect(await onDay('2026-01-06')).toEqual(['n1']);
    expect(await onDay('2026-01-06')).toEqual(['n1']); // the key's verification is cached here for AUTH_CACHE_TTL_MS (30 s)
    const started = Date.now();
    expect((await call('PATCH', `/api/v1/operator/instances/${t.instanceId}`, operator(), { timezone: 'UTC' })).status).toBe(200);
    await eventually(async () => expect(await onDay('2026-01-05')).toEqual(['n1']), { timeoutMs: 5000 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await onDay('2026-01-06')).toEqual([]);
  });
});
