import { randomBytes, randomUUID } from 'node:crypto';
import type { Principal } from '@tollgate/auth';
import { keyAggregateId, TOPICS } from '@tollgate/contracts';
import { peekOutbox } from '@tollgate/event-sourcing';
import { collectMessages, eventually, produceRaw, testBrokers, type TestDatabase } from '@tollgate/testing';
import { startKeysApp, type KeysTestApp } from '../testing/keys-app.fixture';

jest.setTimeout(60_000);

const instanceId = `usage-${randomBytes(3).toString('hex')}`;
const system: Principal = { instanceId: '', kind: 'system', scopes: [] };
const operator: Principal = { instanceId: '', kind: 'operator', scopes: [] };
const admin: Principal = { instanceId, kind: 'organization', scopes: ['admin'] };

const keyUsed = (keyId: string, count: number, id = randomUUID()) => ({
  id,
  type: 'KeyUsed',
  version: 1,
  instanceId,
  aggregateId: keyAggregateId(keyId),
  sequence: 0,
  occurredAt: new Date().toISOString(),
  data: { keyId, lastUsedAt: new Date().toISOString(), count },
});

describe('key usage handed over by a stopping gateway (keys, real PostgreSQL and Kafka)', () => {
  let keys: KeysTestApp;
  let db: TestDatabase;

  const call = (method: string, path: string, principal: Principal, body?: unknown) => keys.call(method, path, principal, body);
  const issueKey = async (): Promise<string> => (await call('POST', '/keys', admin, { kind: 'organization', description: 'used' })).body.id;
  const useCount = async (keyId: string): Promise<number> =>
    ((await call('GET', '/keys', admin)).body.keys as { id: string; useCount: number }[]).find((k) => k.id === keyId)!.useCount;
  const handOver = (events: unknown[], principal = system) => call('POST', '/key-usage', principal, { events });

  beforeAll(async () => {
    keys = await startKeysApp('keys_usage');
    db = keys.db;
    expect((await call('POST', '/instances', operator, { id: instanceId, name: 'Usage', dailyCredits: 10, timezone: 'UTC' })).status).toBe(201);
  });

  afterAll(async () => {
    await keys?.close();
  });

  it('applies the events once, publishes them from its outbox, and a later Kafka delivery of the same ids changes nothing', async () => {
    const keyId = await issueKey();
    const kafka = await collectMessages(testBrokers(), [TOPICS.keys]);
    try {
      const events = [keyUsed(keyId, 3)];
      expect((await handOver(events)).body).toEqual({ applied: 1 });
      expect(await useCount(keyId)).toBe(3);

      // Handed over again (a retried call): nothing more.
      expect((await handOver(events)).body).toEqual({ applied: 0 });
      expect(await useCount(keyId)).toBe(3);

      // Subscribers of the topic still receive it, once.
      await eventually(() => expect(kafka.messages.filter((m) => JSON.parse(m.value).id === events[0].id)).toHaveLength(1), { timeoutMs: 20_000 });
      expect(JSON.parse(kafka.messages.find((m) => JSON.parse(m.value).id === events[0].id)!.value)).toEqual(events[0]);
      expect(await peekOutbox(db.dataSource, 100)).toEqual([]);

      // The gateway's own publish reaches Kafka after all: the consumer skips it. Once the consumer
      // reads the topic (shown on another key), the same id is delivered, followed by a use of the
      // same key (so in the same partition): once that one counts, the consumer has passed it.
      const marker = await issueKey();
      await eventually(
        async () => {
          await produceRaw(testBrokers(), TOPICS.keys, [{ key: keyAggregateId(marker), value: JSON.stringify(keyUsed(marker, 1)) }]);
          expect(await useCount(marker)).toBeGreaterThan(0);
        },
        { timeoutMs: 30_000, intervalMs: 1000 },
      );
      await produceRaw(testBrokers(), TOPICS.keys, [
        { key: events[0].aggregateId, value: JSON.stringify(events[0]) },
        { key: events[0].aggregateId, value: JSON.stringify(keyUsed(keyId, 10)) },
      ]);
      await eventually(async () => expect(await useCount(keyId)).toBe(3 + 10), { timeoutMs: 20_000 });
    } finally {
      await kafka.stop();
    }
  });

  it('refuses a hand-over holding anything but valid KeyUsed events, and changes nothing', async () => {
    const keyId = await issueKey();
    const good = keyUsed(keyId, 2);
    const refused = await handOver([good, { ...keyUsed(keyId, 0) }, { ...good, id: randomUUID(), type: 'KeyIssued' }, 'text']);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      status: 'error',
      code: 'validation_failed',
      message: 'Only valid KeyUsed events can be handed over',
      requestId: expect.any(String),
      errors: [
        { field: 'events[1]', message: 'invalid KeyUsed.v1 data: count: count must not be less than 1' },
        { field: 'events[2]', message: expect.stringContaining('KeyIssued') },
        { field: 'events[3]', message: 'message is not valid JSON' },
      ],
    });
    expect((await handOver([])).status).toBe(400);
    expect(await useCount(keyId)).toBe(0);
    expect(await db.dataSource.query(`SELECT 1 FROM processed_events WHERE event_id = $1`, [good.id])).toEqual([]);
    expect(await peekOutbox(db.dataSource, 100)).toEqual([]);
    // What was refused can be handed over once corrected.
    expect((await handOver([good])).body).toEqual({ applied: 1 });
    expect(await useCount(keyId)).toBe(2);
  });

  it('takes hand-overs from the gateway only', async () => {
    const keyId = await issueKey();
    const refused = await handOver([keyUsed(keyId, 5)], admin);
    expect(refused.status).toBe(401);
    expect(await useCount(keyId)).toBe(0);
  });
});
