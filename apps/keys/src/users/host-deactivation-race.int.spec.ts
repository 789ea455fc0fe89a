import { randomBytes, randomUUID } from 'node:crypto';
import type { Principal } from '@tollgate/auth';
import { TOPICS } from '@tollgate/contracts';
import { eventually, produceRaw, testBrokers } from '@tollgate/testing';
import { startKeysApp, statementsWaitingOnLock, type KeysTestApp } from '../testing/keys-app.fixture';
import { UsersService } from './users.service';

jest.setTimeout(60_000);

const instanceId = `host-race-${randomBytes(3).toString('hex')}`;
const operator: Principal = { instanceId: '', kind: 'operator', scopes: [] };
const admin: Principal = { instanceId, kind: 'organization', scopes: ['admin'] };

describe('a user changed by an admin while the host product’s deactivation of them is applied (keys, real PostgreSQL and Kafka)', () => {
  let keys: KeysTestApp;

  const call = (method: string, path: string, body?: unknown) => keys.call(method, path, admin, body);
  const waitingOnLock = () => statementsWaitingOnLock(keys);
  const eventTypes = async (streamId: string) =>
    ((await keys.db.dataSource.query(`SELECT type FROM events WHERE stream_id = $1 ORDER BY version`, [streamId])) as { type: string }[]).map((r) => r.type);

  beforeAll(async () => {
    keys = await startKeysApp('keys_host_race');
    expect((await keys.call('POST', '/instances', operator, { id: instanceId, name: 'Host race', dailyCredits: 10, timezone: 'UTC' })).status).toBe(201);
  });

  afterAll(async () => {
    await keys?.close();
  });

  it.each([
    ['changes their roles', { roles: { query: 'admin', flows: 'reader' } }, { query: 'admin', flows: 'reader' }, ['UserRolesChanged']],
    ['deactivates them too', { status: 'deactivated' }, { query: 'admin' }, []],
  ])('answers 200 to a PATCH that %s, on the user as the host left them', async (_, patch, roles, patchEvents) => {
    const user = await call('POST', '/users', { email: `${randomUUID()}@host-race.test`, name: 'H', roles: { query: 'admin' } });
    expect(user.status).toBe(201);
    const key = await call('POST', '/keys', { kind: 'personal', description: 'h', ownerId: user.body.id });
    expect(key.status).toBe(201);

    // The host's deactivation has been applied and not committed yet when the PATCH comes.
    const users = keys.app.get(UsersService);
    const deactivate = users.deactivateAtHostsWord.bind(users);
    let applied!: () => void;
    const inHostDeactivation = new Promise<void>((r) => (applied = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    // The topic may hold other tests' host events, which a new consumer group reads first.
    const hold = jest.spyOn(users, 'deactivateAtHostsWord').mockImplementation(async (em, instance, userId, cause) => {
      await deactivate(em, instance, userId, cause);
      if (userId !== user.body.id) return;
      applied();
      await released;
    });
    try {
      const hostEvent = { id: randomUUID(), type: 'UserDeactivated', version: 1, instanceId, aggregateId: user.body.id, sequence: 1, occurredAt: new Date().toISOString(), data: { userId: user.body.id } };
      await produceRaw(testBrokers(), TOPICS.identity, [{ key: user.body.id, value: JSON.stringify(hostEvent) }]);
      await inHostDeactivation;
      const patching = call('PATCH', `/users/${user.body.id}`, patch);
      // The PATCH has reached what the host's deactivation holds.
      await eventually(async () => expect(await waitingOnLock()).toHaveLength(1));
      release();
      const patched = await patching;

      expect([patched.status, patched.body]).toEqual([200, expect.objectContaining({ id: user.body.id, status: 'deactivated', roles })]);
      await eventually(async () =>
        expect(await keys.db.dataSource.query(`SELECT 1 FROM processed_events WHERE event_id = $1`, [hostEvent.id])).toHaveLength(1),
      );
      expect(await eventTypes(`user:${user.body.id}`)).toEqual(['UserRegistered', 'UserDeactivated', ...patchEvents]);
      expect(await eventTypes(`key:${key.body.id}`)).toEqual(['KeyIssued', 'KeyDeactivated']);
    } finally {
      release();
      hold.mockRestore();
    }
  });
});
