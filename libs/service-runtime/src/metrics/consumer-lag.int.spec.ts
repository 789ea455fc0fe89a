import { KafkaBus } from '@tollgate/event-sourcing';
import { createTopics, eventually, produceRaw, testBrokers, uniqueName } from '@tollgate/testing';
import { metricsRegistry, reportConsumerLag } from './metrics';

jest.setTimeout(60_000);

/** The lag series of one group and topic as the scrape serves it; undefined when it has no sample. */
async function scrapedLag(groupId: string, topic: string): Promise<number | undefined> {
  const text = await metricsRegistry.metrics();
  const line = new RegExp(`^tollgate_consumer_lag_messages\\{group="${groupId}",topic="${topic}"\\} (\\d+)$`, 'm').exec(text);
  return line ? Number(line[1]) : undefined;
}

describe('consumer lag in the metrics (real Kafka)', () => {
  const bus = new KafkaBus({ brokers: testBrokers(), clientId: 'consumer-lag-test' });
  const stopReporting = reportConsumerLag(() => bus.consumerLag());
  afterAll(async () => {
    stopReporting();
    await bus.close();
  });

  it('shows the messages a stuck consumer has not consumed, and zero once it catches up', async () => {
    const topic = uniqueName('lag');
    const groupId = uniqueName('lag-group');
    await createTopics(testBrokers(), [topic], 2);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const handled: string[] = [];
    const subscription = await bus.subscribe({
      groupId,
      topics: [topic],
      handle: async (message) => {
        await released; // a handler stuck on a slow dependency
        handled.push(String(message.value));
      },
    });
    try {
      await subscription.ready;
      expect(await scrapedLag(groupId, topic)).toBe(0);
      // The first message sticks in the handler, with ten more behind it on both partitions.
      await produceRaw(testBrokers(), topic, [{ key: 'first', value: 'first' }]);
      await eventually(async () => expect(await scrapedLag(groupId, topic)).toBe(1), { timeoutMs: 20_000 });
      await produceRaw(testBrokers(), topic, Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `m${i}` })));
      await eventually(async () => expect(await scrapedLag(groupId, topic)).toBe(11), { timeoutMs: 20_000 });

      release();
      await eventually(async () => expect(handled).toHaveLength(11), { timeoutMs: 20_000 });
      await eventually(async () => expect(await scrapedLag(groupId, topic)).toBe(0), { timeoutMs: 20_000 });
    } finally {
      release();
      await subscription.stop();
    }
    // A stopped consumer is no longer this process's to report.
    expect(await scrapedLag(groupId, topic)).toBeUndefined();
  });
});
