import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { generateCredential } from '@tollgate/auth';
import { DEAD_LETTER_HEADERS, deadLetterTopic, TOPICS } from '@tollgate/contracts';
import { EventStore, KafkaBus, peekOutbox } from '@tollgate/event-sourcing';
import { metricsRegistry } from '@tollgate/service-runtime';
import { collectMessages, createTestDatabase, eventually, produceRaw, testBrokers, type TestDatabase } from '@tollgate/testing';
import type { KeysConfig } from '../config/keys.config';
import { CredentialsService } from '../credentials/credentials.service';
import { LoginFailures } from '../credentials/login-failures';
import { Hashing } from '../identity/hashing';
import { IdentityCommands } from '../identity/identity-commands';
import { instanceStream } from '../identity/stream-ids';
import { instanceDecider } from '../instances/instance.decider';
import { KeyDeactivation } from '../keys/key-deactivation';
import { KeysService } from '../keys/keys.service';
import { keysMigrations } from '../migrations';
import { UsersService } from '../users/users.service';
import { DEACTIVATION_GROUP, DeactivateUserWhenHostDeactivates } from './deactivate-user-when-host-deactivates.consumer';
import { DeactivateKeysWhenUserDowngraded } from './deactivate-keys-when-user-downgraded.consumer';

jest.setTimeout(60_000);

const config = { KEY_PEPPER: 'p'.repeat(32), SESSION_TTL_MINUTES: 60, LOGIN_FAILURE_LIMIT: 10, LOGIN_FAILURE_WINDOW_S: 900 } as KeysConfig;

describe('user and key aggregates with their reactions (real PostgreSQL and Kafka)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let bus: KafkaBus;
  let users: UsersService;
  let keys: KeysService;
  let credentials: CredentialsService;
  let hashing: Hashing;
  let reactions: (DeactivateKeysWhenUserDowngraded | DeactivateUserWhenHostDeactivates)[];
  const instanceId = 'int-keys';
  const admin = () => ({ instanceId, kind: 'organization' as const, scopes: ['admin'] });

  beforeAll(async () => {
    db = await createTestDatabase(keysMigrations, 'keys_int');
    ds = db.dataSource;
    bus = new KafkaBus({ brokers: testBrokers(), clientId: 'keys-int' });
    const commands = new IdentityCommands(ds, new EventStore());
    hashing = new Hashing(config);
    const deactivation = new KeyDeactivation(commands);
    users = new UsersService(ds, commands, hashing, deactivation);
    keys = new KeysService(ds, commands, hashing);
    credentials = new CredentialsService(ds, hashing, new LoginFailures(ds, config), config);
    await commands.run(instanceDecider, {
      streamId: instanceStream(instanceId),
      instanceId,
      command: { type: 'create', name: 'Int', dailyCredits: 10, timezone: 'UTC' },
    });
    reactions = [new DeactivateKeysWhenUserDowngraded(ds, bus, deactivation), new DeactivateUserWhenHostDeactivates(ds, bus, users)];
    reactions.forEach((r) => r.onApplicationBootstrap());
  });

  afterAll(async () => {
    await Promise.all(reactions.map((r) => r.onApplicationShutdown()));
    await bus.close();
    await db.drop();
  });

  const status = async (keyId: string) =>
    (await ds.query(`SELECT status, deactivation_reason FROM api_keys WHERE id = $1`, [keyId]))[0] as { status: string; deactivation_reason: string | null };
  const eventTypes = async (streamId: string) =>
    ((await ds.query(`SELECT type FROM events WHERE stream_id = $1 ORDER BY version`, [streamId])) as { type: string }[]).map((r) => r.type);

  it('stores keys only as HMACs and verifies them; events carry no secret', async () => {
    const user = await users.register(instanceId, { email: 'a@int.test', name: 'A', roles: { users: 'admin' } });
    const issued = await keys.issue({ ...admin(), kind: 'organization' }, { kind: 'personal', description: 'x', ownerId: user.id });
    const stored = await ds.query(`SELECT encode(hash, 'hex') AS hash FROM key_secrets WHERE key_id = $1`, [issued.id]);
    expect(stored[0].hash).toHaveLength(64);
    const everything = JSON.stringify(await ds.query(`SELECT data FROM events`)) + JSON.stringify(await peekOutbox(ds, 10_000));
    expect(everything).not.toContain(issued.key);
    expect((await credentials.verify(issued.key))?.principal).toMatchObject({ kind: 'personal', keyId: issued.id, userId: user.id });
    expect(await credentials.verify(generateCredential('personal'))).toBeUndefined();
  });

  const published = async (streamId: string) =>
    (await peekOutbox(ds, 10_000)).filter((m) => m.key === streamId).map((m) => JSON.parse(m.value));

  it('ends the keys with the downgrade itself, published right after it; being made admin again revives nothing', async () => {
    const user = await users.register(instanceId, { email: 'b@int.test', name: 'B', roles: { query: 'admin' } });
    const key = await keys.issue({ ...admin(), kind: 'organization' }, { kind: 'personal', description: 'x', ownerId: user.id });
    await users.update(instanceId, user.id, { roles: { query: 'reader' } }, 'req-downgrade');
    expect(await eventTypes(`user:${user.id}`)).toEqual(['UserRegistered', 'UserRolesChanged', 'UserDowngraded']);
    // In the same commit: no reaction has run (the event is not even on Kafka yet).
    expect(await status(key.id)).toEqual({ status: 'deactivated', deactivation_reason: 'owner_downgraded' });
    const downgraded = (await published(`user:${user.id}`)).find((e) => e.type === 'UserDowngraded');
    expect((await published(`key:${key.id}`)).find((e) => e.type === 'KeyDeactivated')).toMatchObject({
      correlationId: 'req-downgrade',
      causationId: downgraded.id,
      data: { keyId: key.id, reason: 'owner_downgraded' },
    });
    await users.update(instanceId, user.id, { roles: { query: 'admin' } });
    expect(await credentials.verify(key.key)).toBeUndefined();
    // The reaction to keys' own event, once delivered, finds nothing left to do.
    await produceRaw(testBrokers(), TOPICS.identity, [{ key: `user:${user.id}`, value: JSON.stringify(downgraded) }]);
    await eventually(
      async () => expect(await ds.query(`SELECT 1 FROM processed_events WHERE event_id = $1 AND consumer_group LIKE '%downgraded'`, [downgraded.id])).toHaveLength(1),
      { timeoutMs: 20_000 },
    );
    expect(await eventTypes(`key:${key.id}`)).toEqual(['KeyIssued', 'KeyDeactivated']);
  });

  it('ends the keys with the deactivation itself: a user reactivated at once gets none back', async () => {
    const user = await users.register(instanceId, { email: 'g@int.test', name: 'G', roles: { flows: 'admin' } });
    const key = await keys.issue({ ...admin(), kind: 'organization' }, { kind: 'personal', description: 'g', ownerId: user.id });
    await users.update(instanceId, user.id, { status: 'deactivated' }, 'req-deactivate');
    await users.update(instanceId, user.id, { status: 'active' });
    expect(await credentials.verify(key.key)).toBeUndefined();
    expect(await status(key.id)).toEqual({ status: 'deactivated', deactivation_reason: 'owner_deactivated' });
    const deactivated = (await published(`user:${user.id}`)).find((e) => e.type === 'UserDeactivated');
    expect((await published(`key:${key.id}`)).map((e) => [e.type, e.correlationId, e.causationId])).toEqual([
      ['KeyIssued', undefined, undefined],
      ['KeyDeactivated', 'req-deactivate', deactivated.id],
    ]);
  });

  it('applies an outside system’s UserDeactivated once, however often it is delivered: the user is deactivated here too', async () => {
    const user = await users.register(instanceId, { email: 'c@int.test', name: 'C', password: 'pw-of-c-123456', roles: { flows: 'admin' } });
    const session = await credentials.login(instanceId, 'c@int.test', 'pw-of-c-123456');
    const personal = await keys.issue({ ...admin(), kind: 'organization' }, { kind: 'personal', description: 'p', ownerId: user.id });
    const owned = await keys.issue({ ...admin(), kind: 'organization' }, { kind: 'organization', description: 'o', ownerId: user.id });
    const other = await keys.issue({ ...admin(), kind: 'organization' }, { kind: 'organization', description: 'unowned' });
    const envelope = JSON.stringify({
      id: randomUUID(),
      type: 'UserDeactivated',
      version: 1,
      instanceId,
      aggregateId: user.id,
      sequence: 7,
      occurredAt: new Date().toISOString(),
      data: { userId: user.id },
    });
    await produceRaw(testBrokers(), TOPICS.identity, [
      { key: user.id, value: envelope },
      { key: user.id, value: envelope },
    ]);
    await eventually(async () => {
      expect(await status(personal.id)).toEqual({ status: 'deactivated', deactivation_reason: 'owner_deactivated' });
      expect(await status(owned.id)).toEqual({ status: 'deactivated', deactivation_reason: 'owner_deactivated' });
    }, { timeoutMs: 20_000 });
    expect(await eventTypes(`key:${personal.id}`)).toEqual(['KeyIssued', 'KeyDeactivated']);
    expect((await status(other.id)).status).toBe('active');
    // Not only the keys: no session, login or fresh key either, and subscribers learn it from Tollgate too.
    expect((await users.get(instanceId, user.id)).status).toBe('deactivated');
    expect(await credentials.verify(session.token)).toBeUndefined();
    await expect(credentials.login(instanceId, 'c@int.test', 'pw-of-c-123456')).rejects.toMatchObject({ code: 'invalid_token' });
    await expect(keys.issue({ ...admin(), kind: 'organization' }, { kind: 'personal', description: 'again', ownerId: user.id })).rejects.toMatchObject({ status: 400 });
    const ours = (await published(`user:${user.id}`)).filter((e) => e.type === 'UserDeactivated');
    expect(ours).toEqual([expect.objectContaining({ causationId: JSON.parse(envelope).id })]);
  });

  it('deactivates a user the host names by their id in capitals, and goes on with the events after it', async () => {
    const user = await users.register(instanceId, { email: 'i@int.test', name: 'I', roles: { flows: 'admin' } });
    const personal = await keys.issue({ ...admin(), kind: 'organization' }, { kind: 'personal', description: 'i', ownerId: user.id });
    const next = await users.register(instanceId, { email: 'j@int.test', name: 'J', roles: { flows: 'admin' } });
    const hostEvent = (userId: string) =>
      JSON.stringify({ id: randomUUID(), type: 'UserDeactivated', version: 1, instanceId, aggregateId: userId, sequence: 1, occurredAt: new Date().toISOString(), data: { userId } });
    await produceRaw(testBrokers(), TOPICS.identity, [
      { key: 'host-users', value: hostEvent(user.id.toUpperCase()) },
      { key: 'host-users', value: hostEvent(next.id) },
    ]);
    await eventually(async () => {
      expect((await users.get(instanceId, user.id)).status).toBe('deactivated');
      expect((await users.get(instanceId, next.id)).status).toBe('deactivated');
    }, { timeoutMs: 20_000 });
    expect(await status(personal.id)).toEqual({ status: 'deactivated', deactivation_reason: 'owner_deactivated' });
    // Subscribers (the gateways' caches) know the user by the id Tollgate gave it.
    expect((await published(`user:${user.id}`)).filter((e) => e.type === 'UserDeactivated').map((e) => e.data.userId)).toEqual([user.id]);
  });

  it('applies an outside event whose correlation id the database cannot store, with the id cleaned or dropped', async () => {
    const first = await users.register(instanceId, { email: 'nul-1@int.test', name: 'N1', roles: { flows: 'admin' } });
    const second = await users.register(instanceId, { email: 'nul-2@int.test', name: 'N2', roles: { flows: 'admin' } });
    const downgraded = await users.register(instanceId, { email: 'nul-5@int.test', name: 'N5', roles: { flows: 'admin' } });
    const key = await keys.issue({ ...admin(), kind: 'organization' }, { kind: 'personal', description: 'nul', ownerId: first.id });
    const downgradedKey = await keys.issue({ ...admin(), kind: 'organization' }, { kind: 'personal', description: 'nul', ownerId: downgraded.id });
    const hostEvent = (type: string, userId: string, correlationId: string) => ({
      id: randomUUID(), type, version: 1, instanceId, aggregateId: userId, sequence: 1, occurredAt: new Date().toISOString(), correlationId, data: { userId },
    });
    // Valid JSON and valid events, but PostgreSQL stores no NUL, and JSON no lone surrogate.
    const withNul = hostEvent('UserDeactivated', first.id, 'req_\u0000host');
    await produceRaw(testBrokers(), TOPICS.identity, [
      { key: `host-users-${randomUUID()}`, value: JSON.stringify(withNul) },
      { key: `host-users-${randomUUID()}`, value: JSON.stringify(hostEvent('UserDeactivated', second.id, '\ud800')) },
      { key: `host-users-${randomUUID()}`, value: JSON.stringify(hostEvent('UserDowngraded', downgraded.id, 'req_\u0000down')) },
    ]);
    await eventually(async () => {
      expect((await users.get(instanceId, first.id)).status).toBe('deactivated');
      expect((await users.get(instanceId, second.id)).status).toBe('deactivated');
      expect(await status(downgradedKey.id)).toEqual({ status: 'deactivated', deactivation_reason: 'owner_downgraded' });
    }, { timeoutMs: 20_000 });
    expect(await credentials.verify(key.key)).toBeUndefined();
    const ours = (userId: string) => published(`user:${userId}`).then((events) => events.find((e) => e.type === 'UserDeactivated'));
    expect(await ours(first.id)).toMatchObject({ correlationId: 'req_host', causationId: withNul.id });
    expect(await ours(second.id)).not.toHaveProperty('correlationId');
    expect((await published(`key:${key.id}`)).find((e) => e.type === 'KeyDeactivated')).toMatchObject({ correlationId: 'req_host' });
    expect((await published(`key:${downgradedKey.id}`)).find((e) => e.type === 'KeyDeactivated')).toMatchObject({ correlationId: 'req_down' });
  });

  it('sets aside an outside event naming an instance the database cannot store, and applies the next one of its partition', async () => {
    const first = await users.register(instanceId, { email: 'nul-3@int.test', name: 'N3', roles: { flows: 'admin' } });
    const second = await users.register(instanceId, { email: 'nul-4@int.test', name: 'N4', roles: { flows: 'admin' } });
    const dlq = await collectMessages(testBrokers(), [deadLetterTopic(TOPICS.identity)]);
    try {
      const hostEvent = (instance: string, userId: string) => ({
        id: randomUUID(), type: 'UserDeactivated', version: 1, instanceId: instance, aggregateId: userId, sequence: 1, occurredAt: new Date().toISOString(), data: { userId },
      });
      const unstorable = hostEvent(`${instanceId}\u0000`, first.id);
      const messageKey = `host-users-${randomUUID()}`; // one key: both in one partition, in order
      await produceRaw(testBrokers(), TOPICS.identity, [
        { key: messageKey, value: JSON.stringify(unstorable) },
        { key: messageKey, value: JSON.stringify(hostEvent(instanceId, second.id)) },
      ]);
      await eventually(async () => expect((await users.get(instanceId, second.id)).status).toBe('deactivated'), { timeoutMs: 20_000 });
      const dead = await eventually(() => {
        const ours = dlq.messages.find((m) => m.key === messageKey && m.headers[DEAD_LETTER_HEADERS.consumerGroup].endsWith(DEACTIVATION_GROUP));
        expect(ours).toBeDefined();
        return ours!;
      }, { timeoutMs: 20_000 });
      expect(JSON.parse(dead.value).id).toBe(unstorable.id);
      expect((await users.get(instanceId, first.id)).status).toBe('active');
    } finally {
      await dlq.stop();
    }
  });

  it('leaves alone what came after one of its own user events, however late that event is applied', async () => {
    const user = await users.register(instanceId, { email: 'h@int.test', name: 'H', roles: { query: 'admin' } });
    await users.update(instanceId, user.id, { status: 'deactivated' });
    await users.update(instanceId, user.id, { status: 'active' });
    const fresh = await keys.issue({ ...admin(), kind: 'organization' }, { kind: 'personal', description: 'after', ownerId: user.id });
    const deactivated = (await published(`user:${user.id}`)).find((e) => e.type === 'UserDeactivated');
    await produceRaw(testBrokers(), TOPICS.identity, [{ key: `user:${user.id}`, value: JSON.stringify(deactivated) }]);
    await eventually(
      async () => expect(await ds.query(`SELECT 1 FROM processed_events WHERE event_id = $1 AND consumer_group LIKE '%deactivated'`, [deactivated.id])).toHaveLength(1),
      { timeoutMs: 20_000 },
    );
    expect(await status(fresh.id)).toEqual({ status: 'active', deactivation_reason: null });
    expect((await users.get(instanceId, user.id)).status).toBe('active');
  });

  it('sets aside, with the reason, an outside event naming a user by an id that cannot be a Tollgate user id', async () => {
    const dlq = await collectMessages(testBrokers(), [deadLetterTopic(TOPICS.identity)]);
    try {
      const messageKey = `host-user-${randomUUID()}`;
      const envelope = { id: randomUUID(), type: 'UserDeactivated', version: 1, instanceId, aggregateId: messageKey, sequence: 1, occurredAt: new Date().toISOString(), data: { userId: 'u-4711' } };
      await produceRaw(testBrokers(), TOPICS.identity, [{ key: messageKey, value: JSON.stringify(envelope) }]);
      const dead = await eventually(() => {
        const ours = dlq.messages.find((m) => m.key === messageKey && m.headers[DEAD_LETTER_HEADERS.consumerGroup].endsWith(DEACTIVATION_GROUP));
        expect(ours).toBeDefined();
        return ours!;
      }, { timeoutMs: 20_000 });
      expect(dead.headers[DEAD_LETTER_HEADERS.reason]).toBe('invalid UserDeactivated.v1 data: userId: userId must be a UUID');
    } finally {
      await dlq.stop();
    }
  });

  it('ignores an outside event for another instance', async () => {
    const user = await users.register(instanceId, { email: 'd@int.test', name: 'D', roles: { users: 'admin' } });
    const key = await keys.issue({ ...admin(), kind: 'organization' }, { kind: 'personal', description: 'p', ownerId: user.id });
    const marker = await users.register(instanceId, { email: 'e@int.test', name: 'E', roles: { users: 'admin' } });
    const markerKey = await keys.issue({ ...admin(), kind: 'organization' }, { kind: 'personal', description: 'm', ownerId: marker.id });
    const event = (inst: string, userId: string) =>
      JSON.stringify({ id: randomUUID(), type: 'UserDowngraded', version: 1, instanceId: inst, aggregateId: userId, sequence: 1, occurredAt: new Date().toISOString(), data: { userId } });
    await produceRaw(testBrokers(), TOPICS.identity, [
      { key: user.id, value: event('someone-else', user.id) },
      { key: user.id, value: event(instanceId, marker.id) },
    ]);
    await eventually(async () => expect((await status(markerKey.id)).status).toBe('deactivated'), { timeoutMs: 20_000 });
    expect((await status(key.id)).status).toBe('active');
  });

  it('moves a malformed outside event to the dead-letter topic and counts it on the metrics', async () => {
    const deadLettered = async () =>
      Number(/^tollgate_events_dead_lettered_total\{topic="tollgate\.identity"\} (\d+)$/m.exec(await metricsRegistry.metrics())?.[1] ?? 0);
    const before = await deadLettered();
    const userId = randomUUID();
    const malformed = JSON.stringify({ id: randomUUID(), type: 'UserDeactivated', version: 1, instanceId, aggregateId: userId, sequence: 1, occurredAt: new Date().toISOString(), data: {} });
    await produceRaw(testBrokers(), TOPICS.identity, [{ key: userId, value: malformed }]);
    // Both reactions read the topic, each in its own group: each moves it aside once.
    await eventually(async () => expect((await deadLettered()) - before).toBeGreaterThanOrEqual(2), { timeoutMs: 20_000 });
  });

  it('never leaves a key active for a user deactivated or downgraded while it was being issued', async () => {
    const waitingOnLock = async () =>
      ((await ds.query(`SELECT query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)) as { query: string }[]).map((r) => r.query);
    // Holds up the issue's last write (its secret), so the change comes once the owner has been
    // checked and before the key is committed.
    const gate = new Client({ connectionString: db.url });
    await gate.connect();
    try {
      for (const change of [{ status: 'deactivated' as const }, { roles: { query: 'reader' as const } }]) {
        const user = await users.register(instanceId, { email: `race-${Object.keys(change)[0]}@int.test`, name: 'R', roles: { query: 'admin' } });
        await gate.query('BEGIN');
        await gate.query('LOCK TABLE key_secrets IN SHARE MODE');
        const issuing = keys.issue({ ...admin(), kind: 'organization' }, { kind: 'personal', description: 'race', ownerId: user.id });
        await eventually(async () => expect(await waitingOnLock()).toEqual([expect.stringMatching(/^INSERT INTO key_secrets/)]));
        let changed = false;
        const changing = users.update(instanceId, user.id, change).finally(() => (changed = true));
        // The change waits for the key, or (were the owner not held) is done before the key commits.
        await eventually(async () => {
          if (!changed) expect(await waitingOnLock()).toHaveLength(2);
        });
        await gate.query('COMMIT');
        const [issued] = await Promise.all([issuing, changing]);
        expect([change, (await status(issued.id)).status]).toEqual([change, 'deactivated']);
      }
    } finally {
      await gate.query('ROLLBACK').catch(() => undefined);
      await gate.end();
    }
  });

  it('never leaves a session to a user deactivated while they were logging in, not even once reactivated', async () => {
    const email = 'login-race@int.test';
    const user = await users.register(instanceId, { email, name: 'L', password: 'login-race-password', roles: { query: 'reader' } });
    // The deactivation comes while the login checks the password: after it found the user active,
    // before it stores the session.
    const verify = hashing.verifyPasswordOrNone.bind(hashing);
    let checked: string | null | undefined;
    let checking!: () => void;
    const inCheck = new Promise<void>((r) => (checking = r));
    let deactivated!: () => void;
    const afterDeactivation = new Promise<void>((r) => (deactivated = r));
    const check = jest.spyOn(hashing, 'verifyPasswordOrNone').mockImplementationOnce(async (hash, password) => {
      checked = hash;
      checking();
      await afterDeactivation;
      return verify(hash, password);
    });
    try {
      const [login] = await Promise.allSettled([
        credentials.login(instanceId, email, 'login-race-password'),
        inCheck.then(async () => {
          await users.update(instanceId, user.id, { status: 'deactivated' });
          deactivated();
        }),
      ]);
      expect(checked).toEqual(expect.any(String)); // the login had found the user active
      await users.update(instanceId, user.id, { status: 'active' });
      expect(login.status === 'fulfilled' ? await credentials.verify(login.value.token) : undefined).toBeUndefined();
    } finally {
      check.mockRestore();
    }
  });

  it('allows one active personal key per user even under a race', async () => {
    const user = await users.register(instanceId, { email: 'f@int.test', name: 'F', roles: { users: 'admin' } });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => keys.issue({ ...admin(), kind: 'organization' }, { kind: 'personal', description: 'race', ownerId: user.id })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.every((r) => r.status === 'fulfilled' || (r.reason as { code: string }).code === 'key_exists')).toBe(true);
  });
});
