import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
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

    // Without a state kept, keys are shown only once: a run issues new ones and revokes the old.
    const second = context();
    await seedIdentityDemo(second);
    expect(second.adminPassword).toBe(first.adminPassword);
    expect(second.organizationKey).not.toBe(first.organizationKey);
    expect(await authStatus({ 'x-api-key': second.organizationKey! })).toBe(200);
    expect(await authStatus({ 'x-api-key': second.personalKey! })).toBe(200);
    expect(await authStatus({ 'x-api-key': first.organizationKey! })).toBe(401);
  });

  it('keeps the keys and password it gave across starts, and replaces only a key that stopped working', async () => {
    const stateFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'demo-state-')), 'demo.json');
    const first = { ...context(), stateFile };
    await seedIdentityDemo(first);
    const again = { ...context(), stateFile };
    await seedIdentityDemo(again);
    expect([again.organizationKey, again.personalKey, again.adminPassword]).toEqual([first.organizationKey, first.personalKey, first.adminPassword]);
    expect(await authStatus({ 'x-api-key': first.organizationKey! })).toBe(200);
    expect(fs.statSync(stateFile).mode & 0o777).toBe(0o600);

    // A user revoked the organization key: the next start issues another, and keeps the personal one.
    const session = await login('demo', first.adminEmail!, first.adminPassword!);
    const keys = (await call('GET', '/api/v1/keys', bearer(session))).body.keys as { id: string; prefix: string; description: string; status: string }[];
    const organization = keys.find((k) => k.status === 'active' && k.description === 'Demo organization key')!;
    expect((await call('DELETE', `/api/v1/keys/${organization.id}`, bearer(session))).status).toBe(204);
    const third = { ...context(), stateFile };
    await seedIdentityDemo(third);
    expect(third.organizationKey).not.toBe(first.organizationKey);
    expect(await authStatus({ 'x-api-key': third.organizationKey! })).toBe(200);
    expect(third.personalKey).toBe(first.personalKey);
    expect(await authStatus({ 'x-api-key': first.personalKey! })).toBe(200);
  });
});
