import { PRINCIPAL_HEADER, PrincipalTokens } from '@tollgate/auth';
import { api, e2ePlatform, eventually } from '@tollgate/testing';
import { authStatus, createInstance, issue } from '../identity/identity-e2e.fixture';

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
});
