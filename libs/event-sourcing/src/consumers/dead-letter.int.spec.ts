import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DEAD_LETTER_HEADERS, deadLetterTopic, TOPICS, tollgateCatalog } from '@tollgate/contracts';
import { collectMessages, eventually, produceRaw, serverUrl, testBrokers } from '@tollgate/testing';
import { KafkaBus } from '../kafka/kafka-bus';
import { EventSubscriber } from './event-subscriber';
import { PermanentEventError } from './permanent-event-error';

jest.setTimeout(60_000);

describe('dead-letter topic (real Kafka)', () => {
  const bus = new KafkaBus({ brokers: testBrokers(), clientId: 'dlq-test' });
  afterAll(() => bus.close());

  const revoked = (keyId: string) =>
    JSON.stringify({
      id: randomUUID(),
      type: 'KeyRevoked',
      version: 1,
      instanceId: 'dlq-test',
      aggregateId: keyId,
      sequence: 1,
      occurredAt: new Date().toISOString(),
      data: { keyId },
    });

  it('moves invalid and unappliable events aside with the reason, and keeps consuming the partition', async () => {
    const keyId = `key_${randomUUID()}`; // one key: every message lands in the same partition, in order
    const applied: string[] = [];
    const dlq = await collectMessages(testBrokers(), [deadLetterTopic(TOPICS.keys)]);
    const groupId = `dlq-${randomUUID()}`;
    const subscriber = new EventSubscriber(bus, tollgateCatalog, {
      groupId,
      topics: [TOPICS.keys],
      fromBeginning: false, // the topic is shared: skip other tests' history
      onEvent: async (event) => {
        if (event.aggregateId !== keyId) return;
        if ((event.data as { keyId: string }).keyId.endsWith('!')) throw new PermanentEventError('refused by handler');
        applied.push(event.id);
      },
    });
    await subscriber.start();
    await subscriber.ready();
    try {
      const good = revoked(keyId);
      await produceRaw(testBrokers(), TOPICS.keys, [
        { key: keyId, value: '{"type":"KeyRevoked","data":{}}' },
        { key: keyId, value: 'not json at all' },
        { key: keyId, value: revoked(`${keyId}!`).replace(`"aggregateId":"${keyId}!"`, `"aggregateId":"${keyId}"`) },
        // Valid, but published on the wrong topic (a host product's mistake): its consumers read tollgate.identity.
        { key: keyId, value: JSON.stringify({ ...JSON.parse(revoked(keyId)), type: 'UserDeactivated', data: { userId: 'u1' } }) },
        { key: keyId, value: good },
      ]);

      await eventually(() => expect(applied).toEqual([JSON.parse(good).id]), { timeoutMs: 20_000 });
      // Dead-lettering is at-least-once (a consumer restart re-reads from its committed offset):
      // count each original message once.
      const dead = await eventually(() => {
        const byOffset = new Map(
          // Every consumer group of the shared topic sets aside its own copy, and says whose it is.
          dlq.messages.filter((m) => m.key === keyId && m.headers[DEAD_LETTER_HEADERS.consumerGroup] === groupId).map((m) => [m.headers[DEAD_LETTER_HEADERS.offset], m] as const),
        );
        expect(byOffset.size).toBe(4);
        return [...byOffset.values()].sort((a, b) => Number(a.headers[DEAD_LETTER_HEADERS.offset]) - Number(b.headers[DEAD_LETTER_HEADERS.offset]));
      });
      expect(dead[0].headers[DEAD_LETTER_HEADERS.reason]).toContain('invalid envelope');
      expect(dead[1].headers[DEAD_LETTER_HEADERS.reason]).toBe('message is not valid JSON');
      expect(dead[2].headers[DEAD_LETTER_HEADERS.reason]).toBe('refused by handler');
      expect(dead[3].headers[DEAD_LETTER_HEADERS.reason]).toBe('UserDeactivated belongs on tollgate.identity, not tollgate.keys');
      expect(dead.every((m) => m.headers[DEAD_LETTER_HEADERS.topic] === TOPICS.keys)).toBe(true);
      expect(dead[1].value).toBe('not json at all');
    } finally {
      await subscriber.stop();
      await dlq.stop();
    }
  });

  it('sets aside an event whose values the database refuses, and applies the next one of its partition', async () => {
    const keyId = `key_${randomUUID()}`;
    const applied: string[] = [];
    const dlq = await collectMessages(testBrokers(), [deadLetterTopic(TOPICS.keys)]);
    const groupId = `dlq-data-${randomUUID()}`;
    const db = new Client({ connectionString: serverUrl() });
    await db.connect();
    const subscriber = new EventSubscriber(bus, tollgateCatalog, {
      groupId,
      topics: [TOPICS.keys],
      fromBeginning: false,
      onEvent: async (event) => {
        if (event.aggregateId !== keyId) return;
        // As a handler storing the event would: PostgreSQL takes no NUL in a text.
        await db.query('SELECT $1::text', [event.correlationId ?? '']);
        applied.push(event.id);
      },
    });
    await subscriber.start();
    await subscriber.ready();
    try {
      const refused = { ...JSON.parse(revoked(keyId)), correlationId: 'req_\u0000' };
      const good = JSON.parse(revoked(keyId));
      await produceRaw(testBrokers(), TOPICS.keys, [
        { key: keyId, value: JSON.stringify(refused) },
        { key: keyId, value: JSON.stringify(good) },
      ]);
      await eventually(() => expect(applied).toEqual([good.id]), { timeoutMs: 20_000 });
      const dead = await eventually(() => {
        const ours = dlq.messages.find((m) => m.key === keyId && m.headers[DEAD_LETTER_HEADERS.consumerGroup] === groupId);
        expect(ours).toBeDefined();
        return ours!;
      });
      expect(JSON.parse(dead.value).id).toBe(refused.id);
      expect(dead.headers[DEAD_LETTER_HEADERS.reason]).toContain('0x00');
    } finally {
      await subscriber.stop();
      await dlq.stop();
      await db.end();
    }
  });

  it('skips, without validating or dead-lettering, what `accepts` refuses; still dead-letters what it takes', async () => {
    const keyId = `key_${randomUUID()}`;
    const applied: string[] = [];
    // Other consumers of this shared topic dead-letter what they find invalid too: watch only what
    // this subscriber sends to the dead-letter topic, through a bus of its own.
    const ownBus = new KafkaBus({ brokers: testBrokers(), clientId: 'accepts-test' });
    const deadLettered = new Map<string, string>();
    const publish = ownBus.publish.bind(ownBus);
    jest.spyOn(ownBus, 'publish').mockImplementation(async (messages) => {
      for (const m of messages) if (m.key === keyId) deadLettered.set(m.headers![DEAD_LETTER_HEADERS.offset], m.headers![DEAD_LETTER_HEADERS.reason]);
      return publish(messages);
    });
    const subscriber = new EventSubscriber(ownBus, tollgateCatalog, {
      groupId: `accepts-${randomUUID()}`,
      topics: [TOPICS.keys],
      fromBeginning: false,
      accepts: (envelope) => envelope.instanceId === 'wanted',
      onEvent: async (event) => {
        if (event.aggregateId === keyId) applied.push(event.instanceId);
      },
    });
    await subscriber.start();
    await subscriber.ready();
    try {
      const wanted = revoked(keyId).replace('"instanceId":"dlq-test"', '"instanceId":"wanted"');
      await produceRaw(testBrokers(), TOPICS.keys, [
        { key: keyId, value: revoked(keyId) }, // valid, another instance: skipped
        { key: keyId, value: `{"type":"KeyRevoked","instanceId":"other","aggregateId":"${keyId}"}` }, // invalid, refused: not dead-lettered
        { key: keyId, value: `{"type":"KeyRevoked","instanceId":"wanted","aggregateId":"${keyId}"}` }, // invalid, taken: dead-lettered
        { key: keyId, value: 'not json at all' }, // cannot be looked at: validated, dead-lettered
        { key: keyId, value: wanted },
      ]);
      await eventually(() => expect(applied).toEqual(['wanted']), { timeoutMs: 20_000 });
      const reasons = [...deadLettered.values()];
      expect(reasons).toHaveLength(2);
      expect(reasons).toContain('message is not valid JSON');
      expect(reasons.filter((r) => r.startsWith('invalid envelope'))).toHaveLength(1);
    } finally {
      await subscriber.stop();
      await ownBus.close();
    }
  });
});
