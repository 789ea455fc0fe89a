import { randomUUID } from 'node:crypto';
import { KeyRevoked } from '@tollgate/contracts';
import { createTestDatabase, KEY_STATUS_TABLE, keyLifecycle, keyStatusProjection, type TestDatabase } from '@tollgate/testing';
import { applyProjections } from '../projections/projection';
import { rebuildProjections } from '../projections/rebuild-projections';
import { eventSourcingMigrations } from '../schema';
import { CommandRunner } from './command-runner';
import { ConcurrencyError } from './concurrency-error';
import { ENVELOPE_JSON_SQL, EventStore, writeNotice } from './event-store';
import { EventTooLarge, jsonbGrowth, MAX_EVENT_DATA_BYTES } from './event-too-large';
import { pendingEvent, type PendingEvent } from './pending-event';

describe('event store (real PostgreSQL)', () => {
  let db: TestDatabase;
  const store = new EventStore();
  let runner: CommandRunner;

  beforeAll(async () => {
    db = await createTestDatabase(eventSourcingMigrations, 'es');
    await db.dataSource.query(KEY_STATUS_TABLE);
    runner = new CommandRunner(db.dataSource, store, [keyStatusProjection]);
  });
  afterAll(() => db.drop());

  const count = async (sql: string, params: unknown[]) => Number((await db.dataSource.query(sql, params))[0].n);

  it('appends events, projections and outbox rows together and reads the stream back in order', async () => {
    const keyId = `key_${randomUUID()}`;
    await runner.run(keyLifecycle, { streamId: keyId, instanceId: 'i1', command: { kind: 'issue', keyId } });
    const { state } = await runner.run(keyLifecycle, { streamId: keyId, instanceId: 'i1', command: { kind: 'revoke', keyId } });

    expect(state.status).toBe('revoked');
    const stream = await store.readStream(db.dataSource.manager, keyId);
    expect(stream.map((e) => [e.type, e.sequence])).toEqual([['KeyIssued', 1], ['KeyRevoked', 2]]);
    expect(await count(`SELECT count(*) n FROM outbox WHERE message_key = $1`, [keyId])).toBe(2);
    const [row] = await db.dataSource.query(`SELECT status, changes FROM fixture_key_status WHERE key_id = $1`, [keyId]);
    expect(row).toEqual({ status: 'revoked', changes: 2 });
  });

  it('builds in SQL exactly the envelope the store appended (what the relay publishes)', async () => {
    const streamId = `key_${randomUUID()}`;
    const odd = { keyId: streamId, note: 'ünï "quoted", <&>\n=1+1 \u2028', nothing: null, nested: { list: [1, 2.5, 'x'], flag: false } };
    const withIds = await db.dataSource.transaction((em) =>
      store.append(em, {
        streamId,
        instanceId: 'i1',
        expectedVersion: 0,
        correlationId: 'corr-1',
        causationId: randomUUID(),
        events: [{ contract: KeyRevoked, data: odd } as unknown as PendingEvent, pendingEvent(KeyRevoked, { keyId: streamId })],
      }),
    );
    const without = await db.dataSource.transaction((em) =>
      store.append(em, { streamId, instanceId: 'i1', expectedVersion: 2, events: [pendingEvent(KeyRevoked, { keyId: streamId })] }),
    );
    const rows: { json: string }[] = await db.dataSource.query(
      `SELECT ${ENVELOPE_JSON_SQL('e')} AS json FROM events e WHERE stream_id = $1 ORDER BY version`,
      [streamId],
    );
    expect(rows.map((r) => JSON.parse(r.json))).toEqual(JSON.parse(JSON.stringify([...withIds, ...without])));
    expect(JSON.parse(rows[0].json)).toMatchObject({ correlationId: 'corr-1', data: odd });
    expect(JSON.parse(rows[2].json)).not.toHaveProperty('correlationId');
    // Appended past the projection: gone again, so the rebuild below compares like with like.
    await db.dataSource.query(`DELETE FROM outbox WHERE message_key = $1`, [streamId]);
    await db.dataSource.query(`DELETE FROM events WHERE stream_id = $1`, [streamId]);
  });

  it('counts a number in e-notation as long as jsonb prints it, never shorter', async () => {
    const samples = [1e308, -1.7976931348623157e308, 5e-324, -1.2345e-100, 1e21, 1.5e-7, 123456789e30, 0.000001, 42];
    for (const value of samples) {
      const json = JSON.stringify(value);
      const [{ printed }] = await db.dataSource.query(`SELECT octet_length(($1::jsonb)::text) AS printed`, [json]);
      const counted = json.length + jsonbGrowth(json);
      expect([value, counted]).toEqual([value, expect.any(Number)]);
      expect(counted).toBeGreaterThanOrEqual(printed);
      expect(counted - printed).toBeLessThanOrEqual(1);
    }
  });

  it('writes nothing when the transaction rolls back', async () => {
    const keyId = `key_${randomUUID()}`;
    await expect(
      db.dataSource.transaction(async (em) => {
        await runner.run(keyLifecycle, { streamId: keyId, instanceId: 'i1', command: { kind: 'issue', keyId }, em });
        throw new Error('the caller changed its mind');
      }),
    ).rejects.toThrow('changed its mind');
    expect(await count(`SELECT count(*) n FROM events WHERE stream_id = $1`, [keyId])).toBe(0);
    expect(await count(`SELECT count(*) n FROM outbox WHERE message_key = $1`, [keyId])).toBe(0);
    expect(await count(`SELECT count(*) n FROM fixture_key_status WHERE key_id = $1`, [keyId])).toBe(0);
  });

  it('refuses an event too large for the broker to take, writing nothing, so it never holds up the outbox', async () => {
    const streamId = `key_${randomUUID()}`;
    // Two-byte characters: the limit is in bytes of UTF-8, not characters.
    const big = { keyId: streamId, note: 'é'.repeat(MAX_EVENT_DATA_BYTES / 2) };
    const failure = await db.dataSource
      .transaction((em) =>
        store.append(em, { streamId, instanceId: 'i1', expectedVersion: 0, events: [pendingEvent(KeyRevoked, { keyId: streamId }), { contract: KeyRevoked, data: big } as unknown as PendingEvent] }),
      )
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(EventTooLarge);
    expect(failure).toMatchObject({ type: 'KeyRevoked', bytes: Buffer.byteLength(JSON.stringify(big)) });
    await expect(db.dataSource.transaction((em) => writeNotice(em, KeyRevoked, { instanceId: 'i1', aggregateId: streamId, data: big as never }))).rejects.toThrow(EventTooLarge);
    expect(await count(`SELECT count(*) n FROM events WHERE stream_id = $1`, [streamId])).toBe(0);
    expect(await count(`SELECT count(*) n FROM outbox WHERE message_key = $1`, [streamId])).toBe(0);

    // Small as JSON, but jsonb prints 1e308 as 309 digits: the relay would publish over a megabyte.
    const numbers = { keyId: streamId, values: Array.from({ length: 3500 }, () => 1e308) };
    expect(JSON.stringify(numbers).length).toBeLessThan(30_000);
    await expect(
      db.dataSource.transaction((em) => store.append(em, { streamId, instanceId: 'i1', expectedVersion: 0, events: [{ contract: KeyRevoked, data: numbers } as unknown as PendingEvent] })),
    ).rejects.toThrow(EventTooLarge);
    expect(await count(`SELECT count(*) n FROM events WHERE stream_id = $1`, [streamId])).toBe(0);

    // Just under the limit is taken.
    const fits = { keyId: streamId, note: 'x'.repeat(MAX_EVENT_DATA_BYTES - JSON.stringify({ keyId: streamId, note: '' }).length) };
    await db.dataSource.transaction((em) => store.append(em, { streamId, instanceId: 'i1', expectedVersion: 0, events: [{ contract: KeyRevoked, data: fits } as unknown as PendingEvent] }));
    expect(await count(`SELECT count(*) n FROM outbox WHERE message_key = $1`, [streamId])).toBe(1);
    await db.dataSource.query(`DELETE FROM outbox WHERE message_key = $1`, [streamId]);
    await db.dataSource.query(`DELETE FROM events WHERE stream_id = $1`, [streamId]);
  });

  it('lets exactly one of two concurrent writers to a stream win; the loser writes nothing', async () => {
    const keyId = `key_${randomUUID()}`;
    await runner.run(keyLifecycle, { streamId: keyId, instanceId: 'i1', command: { kind: 'issue', keyId } });

    // Both writers read version 1, then both try to append version 2.
    const writer = () =>
      db.dataSource.transaction(async (em) => {
        const seen = await store.readStream(em, keyId);
        await new Promise((r) => setTimeout(r, 50));
        const appended = await store.append(em, {
          streamId: keyId,
          instanceId: 'i1',
          expectedVersion: seen.length,
          events: [pendingEvent(KeyRevoked, { keyId })],
        });
        await applyProjections(em, [keyStatusProjection], appended);
      });
    const results = await Promise.allSettled([writer(), writer()]);

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failure = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(failure.reason).toBeInstanceOf(ConcurrencyError);
    expect(await count(`SELECT count(*) n FROM events WHERE stream_id = $1`, [keyId])).toBe(2);
    expect(await count(`SELECT count(*) n FROM outbox WHERE message_key = $1`, [keyId])).toBe(2);
  });

  it('refuses an append decided on a version another writer has since moved past, writing nothing', async () => {
    const keyId = `key_${randomUUID()}`;
    await runner.run(keyLifecycle, { streamId: keyId, instanceId: 'i1', command: { kind: 'issue', keyId } });
    await runner.run(keyLifecycle, { streamId: keyId, instanceId: 'i1', command: { kind: 'revoke', keyId } });
    // Decided on version 1 (read before the revoke committed): the stream is at 2 now.
    const stale = db.dataSource.transaction((em) =>
      store.append(em, { streamId: keyId, instanceId: 'i1', expectedVersion: 1, events: [pendingEvent(KeyRevoked, { keyId })] }),
    );
    await expect(stale).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await count(`SELECT count(*) n FROM events WHERE stream_id = $1`, [keyId])).toBe(2);
    expect(await count(`SELECT count(*) n FROM outbox WHERE message_key = $1`, [keyId])).toBe(2);
  });

  it('re-decides on fresh state when a command loses a race, so the rules still hold', async () => {
    const keyId = `key_${randomUUID()}`;
    await runner.run(keyLifecycle, { streamId: keyId, instanceId: 'i1', command: { kind: 'issue', keyId } });
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, () =>
        runner.run(keyLifecycle, { streamId: keyId, instanceId: 'i1', command: { kind: 'revoke', keyId } }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason.message).toBe('not active');
    }
    expect(await count(`SELECT count(*) n FROM events WHERE stream_id = $1`, [keyId])).toBe(2);
  });

  it('rebuilds a projection from the event store to exactly what it was', async () => {
    const before = await db.dataSource.query(`SELECT * FROM fixture_key_status ORDER BY key_id`);
    await db.dataSource.query(`UPDATE fixture_key_status SET status = 'corrupted'`);
    const replayed = await rebuildProjections(db.dataSource, [keyStatusProjection], 2);
    expect(replayed).toBe(await count(`SELECT count(*) n FROM events`, []));
    expect(await db.dataSource.query(`SELECT * FROM fixture_key_status ORDER BY key_id`)).toEqual(before);
  });
});
