import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { ensureTopics, startLocalKafka, type LocalKafka } from './local-kafka';

// The first run may fetch the broker's jars; each start or restart takes a JVM boot.
jest.setTimeout(180_000);

const topic = 'local-kafka-smoke';

describe('local Kafka broker', () => {
  let kafka: LocalKafka;

  beforeAll(async () => {
    // Its own free ports and a wiped data dir: independent of any broker on 9092.
    kafka = await startLocalKafka({ port: 0, fresh: true });
    await ensureTopics(kafka.brokers, [{ topic, numPartitions: 1 }]);
  });

  afterAll(async () => {
    await kafka?.stop();
  });

  it('produces and consumes a message', async () => {
    await produce(kafka.brokers, 'first');
    expect(await consume(kafka.brokers, 1)).toEqual(['first']);
  });

  it('keeps messages across a restart', async () => {
    const pidBefore = kafka.pid();
    await kafka.restart();

    expect(kafka.pid()).toBeDefined();
    expect(kafka.pid()).not.toBe(pidBefore);
    await produce(kafka.brokers, 'second');
    expect(await consume(kafka.brokers, 2)).toEqual(['first', 'second']);
  });

  it('leaves no JVM behind when stopped', async () => {
    const pid = kafka.pid();
    expect(pid).toBeDefined();

    await kafka.stop();

    expect(kafka.pid()).toBeUndefined();
    expect(processExists(pid as number)).toBe(false);
  });
});

function client(brokers: string): Kafka {
  return new Kafka({ clientId: 'local-kafka-spec', brokers: [brokers], logLevel: logLevel.NOTHING });
}

async function produce(brokers: string, value: string): Promise<void> {
  const producer = client(brokers).producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ value }] });
  } finally {
    await producer.disconnect();
  }
}

/** Reads the topic from the beginning with a new group until `count` values arrived. */
async function consume(brokers: string, count: number, timeoutMs = 30_000): Promise<string[]> {
  const consumer = client(brokers).consumer({ groupId: `local-kafka-spec-${randomUUID()}` });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`got ${values.length} of ${count} messages`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value?.toString() ?? '');
          if (values.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return values;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
