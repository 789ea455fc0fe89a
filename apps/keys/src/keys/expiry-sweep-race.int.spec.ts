import { randomBytes } from 'node:crypto';
import type { Principal } from '@tollgate/auth';
import { eventually } from '@tollgate/testing';
import { startKeysApp, statementsWaitingOnLock, type KeysTestApp } from '../testing/keys-app.fixture';
import { ExpireKeysJob } from './expire-keys.job';
import { KeyDeactivation } from './key-deactivation';

jest.setTimeout(60_000);

const instanceId = `expiry-${randomBytes(3).toString('hex')}`;
const operator: Principal = { instanceId: '', kind: 'operator', scopes: [] };
const admin: Principal = { instanceId, kind: 'organization', scopes: ['admin'] };

describe('a personal key issued while the sweep records its owner’s old key as expired (keys, real PostgreSQL)', () => {
  let keys: KeysTestApp;

  const call = (method: string, path: string, body?: unknown) => keys.call(method, path, admin, body);
  const waitingOnLock = () => statementsWaitingOnLock(keys);
  const keyEvents = async (keyId: string) =>
    (
      (await keys.db.dataSource.query(`SELECT type, data->>'reason' AS reason FROM events WHERE stream_id = $1 ORDER BY version`, [`key:${keyId}`])) as {
        type: string;
        reason: string | null;
      }[]
    ).map((e) => (e.reason ? `${e.type}:${e.reason}` : e.type));

  beforeAll(async () => {
    // The sweep runs when the test says, not on its timer.
    keys = await startKeysApp('keys_expiry_race', { KEY_EXPIRY_SWEEP_MS: String(60 * 60_000) });
    expect((await keys.call('POST', '/instances', operator, { id: instanceId, name: 'Expiry', dailyCredits: 10, timezone: 'UTC' })).status).toBe(201);
  });

  afterAll(async () => {
    await keys?.close();
  });

  it('issues the new key (201) and records the old key’s expiry once', async () => {
    const owner = await call('POST', '/users', { email: 'owner@expiry.test', name: 'Owner', roles: { query: 'admin' } });
    expect(owner.status).toBe(201);
    const old = await call('POST', '/keys', { kind: 'personal', description: 'old', ownerId: owner.body.id, expiresAt: new Date(Date.now() + 1000).toISOString() });
    expect(old.status).toBe(201);
    await eventually(async () => expect((await call('GET', '/keys')).body.keys).toEqual([expect.objectContaining({ id: old.body.id, deactivationReason: 'expired' })]));

    // The sweep has recorded the expiry and not committed yet when the new key is asked for.
    const deactivation = keys.app.get(KeyDeactivation);
    const one = deactivation.one.bind(deactivation);
    let recorded!: () => void;
    const inSweep = new Promise<void>((r) => (recorded = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const hold = jest.spyOn(deactivation, 'one').mockImplementationOnce(async (...args) => {
      const result = await one(...args);
      recorded();
      await released;
      return result;
    });
    try {
      const sweeping = keys.app.get(ExpireKeysJob).sweep();
      await inSweep;
      const issuing = call('POST', '/keys', { kind: 'personal', description: 'new', ownerId: owner.body.id });
      // The issue has reached the old key, which the sweep holds.
      await eventually(async () => expect(await waitingOnLock()).toHaveLength(1));
      release();
      const [swept, issued] = await Promise.all([sweeping, issuing]);

      expect(swept).toBe(1);
      expect([issued.status, issued.body.status]).toEqual([201, 'active']);
      expect(await keyEvents(old.body.id)).toEqual(['KeyIssued', 'KeyDeactivated:expired']);
      expect(await keyEvents(issued.body.id)).toEqual(['KeyIssued']);
    } finally {
      release();
      hold.mockRestore();
    }
  });
});
