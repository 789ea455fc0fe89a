/**
 * A downstream system following a flow's `emit` steps: reads FlowEmitted events from Kafka.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 npx tsx tools/examples/flow-emitted-subscriber.ts [event-name]
 *
 * Delivery is at-least-once: a real subscriber deduplicates by the envelope's `id`.
 */
import { Kafka, logLevel } from 'kafkajs';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const only = process.argv[2];

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: 'flow-emitted-example', brokers, logLevel: logLevel.WARN });
  const consumer = kafka.consumer({ groupId: process.env.GROUP_ID ?? 'flow-emitted-example' });
  await consumer.connect();
  await consumer.subscribe({ topics: ['tollgate.flows'], fromBeginning: true });
  const seen = new Set<string>();
  await consumer.run({
    eachMessage: async ({ message }) => {
      const event = JSON.parse(message.value?.toString() ?? '{}');
      if (event.type !== 'FlowEmitted' || seen.has(event.id)) return;
      if (only && event.data.event !== only) return;
      seen.add(event.id);
      console.log(`${event.occurredAt} ${event.instanceId} ${event.data.event} (run ${event.data.processId}):`, JSON.stringify(event.data.payload));
    },
  });
  const stop = async () => {
    await consumer.disconnect();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
