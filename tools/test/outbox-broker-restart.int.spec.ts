import { randomUUID } from 'node:crypto';
import { ALL_TOPICS, TOPICS, type EventEnvelope } from '@tollgate/contracts';
import {
  CommandRunner,
  eventSourcingMigrations,
  EventStore,
  KafkaBus,
  OutboxRelay,
} from '@tollgate/event-sourcing';
import { collectMessages, createTestDatabase, eventually, keyLifecycle, type TestDatabase } from '@tollgate/testing';
import { ensureTopics, startLocalKafka, type LocalKafka } from '../kafka/local-kafka';

jest.setTimeout(240_000);

// This test stops its broker, so it runs its own rather than the suite's shared one.
describe('outbox relay across a broker restart (real Kafka, stopped and started)', () => {
  let kafka: LocalKafka;
  let db: TestDatabase;
  let bus: KafkaBus;
  let relay: OutboxRelay;

  beforeAll(async () => {
    kafka = await startLocalKafka({ port: 0, fresh: true });
    await ensureTopics(kafka.brokers, ALL_TOPICS.map((topic) => ({ topic })));
    db = await createTestDatabase(eventSourcingMigrations, 'restart');
    bus = new KafkaBus({ brokers: [kafka.brokers], clientId: 'restart-test' });
    relay = new OutboxRelay(db.dataSource, bus, { databaseUrl: db.url, pollIntervalMs: 500 });
    relay.start();
  });
  afterAll(async () => {
    await relay?.stop(1000);
    await bus?.close();
    await db?.drop();
    await kafka?.stop();
  });

  it('publishes events committed while the broker was down once it is back, none lost', async () => {
    const runner = new CommandRunner(db.dataSource, new EventStore(), []);
    const issue = (keyId: string) =>
      runner.run(keyLifecycle, { streamId: keyId, instanceId: 'restart', command: { kind: 'issue', keyId } });

    const before = Array.from({ length: 5 }, () => `key_${randomUUID()}`);
    for (const k of before) await issue(k);
    await eventually(async () => expect((await relay.backlog()).count).toBe(0), { timeoutMs: 20_000 });

    await kafka.stop();
    const during = Array.from({ length: 25 }, () => `key_${randomUUID()}`);
    for (const k of during) await issue(k); // commits succeed: writes never wait for Kafka
    expect((await relay.backlog()).count).toBe(25);

    await kafka.restart();
    await eventually(async () => expect((await relay.backlog()).count).toBe(0), { timeoutMs: 90_000 });

    const collector = await collectMessages([kafka.brokers], [TOPICS.keys], { fromBeginning: true });
    try {
      const ids = await eventually(
        () => {
          const seen = new Set(collector.messages.map((m) => (JSON.parse(m.value) as EventEnvelope).aggregateId));
          for (const k of [...before, ...during]) expect(seen.has(k)).toBe(true);
          return seen;
        },
        { timeoutMs: 30_000 },
      );
      expect(ids.size).toBeGreaterThanOrEqual(30);
    } finally {
      await collector.stop();
    }
  });
});
