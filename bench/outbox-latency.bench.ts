/**
 * Outbox path figures: commit -> consumed latency (p50/p99) when idle and at 1,000 events/s, and
 * relay throughput draining a backlog. Real PostgreSQL and Kafka; run with
 *   npx tsx bench/outbox-latency.bench.ts
 */
import { randomUUID } from 'node:crypto';
import { ALL_TOPICS, KeyRevoked, TOPICS, type EventEnvelope } from '@tollgate/contracts';
import { eventSourcingMigrations, EventStore, KafkaBus, OutboxRelay, pendingEvent } from '@tollgate/event-sourcing';
import { createTestDatabase } from '@tollgate/testing';
import { ensureTopics, resolveKafka } from '../tools/kafka/local-kafka';
import { runBench } from './bench-platform';

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function main() {
  const kafka = await resolveKafka();
  await ensureTopics(kafka.brokers, ALL_TOPICS.map((topic) => ({ topic })));
  const db = await createTestDatabase(eventSourcingMigrations, 'bench');
  const bus = new KafkaBus({ brokers: [kafka.brokers], clientId: 'bench' });
  const relay = new OutboxRelay(db.dataSource, bus, { databaseUrl: db.url, batchSize: 500 });
  const store = new EventStore();
  const runId = randomUUID();

  const committedAt = new Map<string, number>();
  const latencies: number[] = [];
  let received = 0;
  const subscription = await bus.subscribe({
    groupId: `bench-${runId}`,
    topics: [TOPICS.keys],
    fromBeginning: false,
    handle: async (m) => {
      let event: EventEnvelope;
      try {
        event = JSON.parse(m.value?.toString() ?? '') as EventEnvelope;
      } catch {
        return; // the topic is shared; some tests publish garbage on purpose
      }
      if (event.instanceId !== runId) return;
      received++;
      const t = committedAt.get(event.id);
      if (t !== undefined) latencies.push(performance.now() - t);
    },
  });
  await subscription.ready; // positioned at the topic's end: what is committed from now on reaches it

  const commit = async () => {
    const streamId = `key_${randomUUID()}`;
    await db.dataSource.transaction(async (em) => {
      const [e] = await store.append(em, {
        streamId,
        instanceId: runId,
        expectedVersion: 0,
        events: [pendingEvent(KeyRevoked, { keyId: streamId })],
      });
      // Stamped before COMMIT is sent, so the figure includes the commit itself.
      committedAt.set(e.id, performance.now());
    });
  };
  const waitFor = async (count: number) => {
    while (received < count) await new Promise((r) => setTimeout(r, 5));
  };

  relay.start();

  // Idle: one event at a time, each waited for.
  latencies.length = 0;
  for (let i = 0; i < 300; i++) {
    const target = received + 1; // before the commit: the event may arrive before commit() returns
    await commit();
    await waitFor(target);
  }
  const idle = [...latencies].sort((a, b) => a - b);

  // Loaded: 1,000 events/s for 10 s, 10 every 10 ms.
  latencies.length = 0;
  const before = received;
  const start = performance.now();
  const writes: Promise<void>[] = [];
  for (let tick = 0; tick < 1000; tick++) {
    const due = start + tick * 10;
    while (performance.now() < due) await new Promise((r) => setTimeout(r, 1));
    for (let j = 0; j < 10; j++) writes.push(commit());
  }
  await Promise.all(writes);
  const offeredSeconds = (performance.now() - start) / 1000;
  await waitFor(before + 10_000);
  const loaded = [...latencies].sort((a, b) => a - b);

  // Throughput: a backlog written while the relay is stopped, then drained.
  await relay.stop();
  const backlog = 50_000;
  await db.dataSource.query(
    `INSERT INTO outbox (event_id, topic, message_key, payload)
     SELECT gen_random_uuid(), $1, 'key_' || g, $2 FROM generate_series(1, $3) g`,
    [TOPICS.keys, JSON.stringify({ bench: true }), backlog],
  );
  const relay2 = new OutboxRelay(db.dataSource, bus, { databaseUrl: db.url, batchSize: 1000 });
  const drainStart = performance.now();
  relay2.start();
  while ((await relay2.backlog()).count > 0) await new Promise((r) => setTimeout(r, 20));
  const drainSeconds = (performance.now() - drainStart) / 1000;
  await relay2.stop();

  process.stdout.write(
    [
      'outbox commit -> consumed latency',
      `  idle (300 events, one at a time):  p50 ${fmt(percentile(idle, 50))}  p99 ${fmt(percentile(idle, 99))}  max ${fmt(idle[idle.length - 1])}`,
      `  loaded (10,000 events offered at 1,000/s, achieved ${(10_000 / offeredSeconds).toFixed(0)}/s):  p50 ${fmt(percentile(loaded, 50))}  p99 ${fmt(percentile(loaded, 99))}  max ${fmt(loaded[loaded.length - 1])}`,
      `relay throughput: ${backlog} queued events published in ${drainSeconds.toFixed(2)} s = ${(backlog / drainSeconds).toFixed(0)} events/s`,
      '',
    ].join('\n'),
  );

  await subscription.stop();
  await bus.close();
  await db.drop();
  await kafka.stop();
}

runBench(main);
