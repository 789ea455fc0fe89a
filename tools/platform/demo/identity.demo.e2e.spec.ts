import { e2ePlatform } from '@tollgate/testing';
import type { DemoContext } from './demo-context';
import { seedIdentityDemo } from './identity.demo';
import { authStatus, bearer, call, login } from '../../../apps/gateway/src/identity/identity-e2e.fixture';

jest.setTimeout(60_000);

describe('identity demo data', () => {
  const context = (): DemoContext => ({
    gatewayUrl: e2ePlatform().gatewayUrl,
    operatorToken: e2ePlatform().operatorToken,
    instanceId: 'demo',
    lines: [],
  });

  it('seeds the demo instance, admin and keys, and can run again', async () => {
    const first = context();
    await seedIdentityDemo(first);
    expect(first.organizationKey).toMatch(/o$/);
    expect(first.personalKey).toMatch(/p$/);
    expect(first.lines.join('\n')).toContain(first.organizationKey);
    expect(await authStatus({ 'x-api-key': first.organizationKey! })).toBe(200);
    const session = await login('demo', first.adminEmail!, first.adminPassword!);
    expect((await call('GET', '/api/v1/credits', bearer(session))).body).toMatchObject({ dailyAllowance: 10000, timezone: 'Europe/Paris' });

    const second = context();
    await seedIdentityDemo(second);
    expect(second.adminPassword).toBe(first.adminPassword);
    expect(second.organizationKey).not.toBe(first.organizationKey);
    expect(await authStatus({ 'x-api-key': second.organizationKey! })).toBe(200);
    expect(await authStatus({ 'x-api-key': second.personalKey! })).toBe(200);
    expect(await authStatus({ 'x-api-key': first.organizationKey! })).toBe(401);
  });
});
