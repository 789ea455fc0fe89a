import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

/** Brokers prepared by the test run's global set-up. */
export function testBrokers(): string[] {
  const value = process.env.KAFKA_BROKERS;
  if (!value) throw new Error('KAFKA_BROKERS is not set: run the suite through the test command');
  return value.split(',');
}

export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** Creates topics private to one test, so tests never read each other's messages. */
export async function createTopics(brokers: string[], topics: string[], numPartitions = 3): Promise<void> {
  const admin = new Kafka({ brokers, clientId: 'test-admin', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions })) });
  } finally {
    await admin.disconnect();
  }
}

export interface CollectedMessage {
  topic: string;
  partition: number;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

/**
 * A plain kafkajs consumer that keeps every message it sees, for assertions. By default it starts
 * at the topics' end and resolves once positioned there, so what a test publishes afterwards
 * reaches it without replaying the history other tests and benchmarks left on shared topics.
 */
export async function collectMessages(brokers: string[], topics: string[], options: { fromBeginning?: boolean } = {}) {
  const kafka = new Kafka({ brokers, clientId: 'test-collector', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: uniqueName('collector'), maxWaitTimeInMs: 100 });
  const messages: CollectedMessage[] = [];
  const positioned = new Promise<void>((resolve) => {
    const off = consumer.on(consumer.events.FETCH, () => {
      off();
      resolve();
    });
  });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: options.fromBeginning ?? false });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) if (v) headers[k] = v.toString();
      messages.push({ topic, partition, key: message.key?.toString() ?? null, value: message.value?.toString() ?? '', headers });
    },
  });
  await positioned;
  return { messages, stop: () => consumer.disconnect() };
}

/** A plain kafkajs producer, standing in for an outside system that publishes to Tollgate topics. */
export async function produceRaw(brokers: string[], topic: string, messages: { key: string; value: string }[]) {
  const producer = new Kafka({ brokers, clientId: 'test-producer', logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}
