/**
 * A downstream system following a flow's `emit` steps: reads FlowEmitted events from Kafka.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 npx tsx tools/examples/flow-emitted-subscriber.ts [event-name]
 *
 * Every message is validated against Tollgate's event catalogue; what is not a valid event is set
 * aside on `tollgate.flows.dlq` instead of stopping the subscriber. Delivery is at-least-once: a real
 * subscriber deduplicates by the envelope's `id`, and keeps the ids it has seen with what it did.
 */
import { Kafka, logLevel } from 'kafkajs';
import { TOPICS, tollgateCatalog, type FlowEmittedV1 } from '@tollgate/contracts';
import { deadLetter } from './dead-letter';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const groupId = process.env.GROUP_ID ?? 'flow-emitted-example';
const only = process.argv[2];

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: 'flow-emitted-example', brokers, logLevel: logLevel.WARN });
  const producer = kafka.producer(); // for dead letters
  const consumer = kafka.consumer({ groupId });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topics: [TOPICS.flows], fromBeginning: true });
  const seen = new Set<string>();
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const result = tollgateCatalog.validate(message.value, topic);
      if (!result.ok) return deadLetter(producer, { groupId, topic, partition, message }, result.reason);
      const { event } = result;
      if (event.type !== 'FlowEmitted' || seen.has(event.id)) return;
      const data = event.data as unknown as FlowEmittedV1; // validated: what its contract says
      if (only && data.event !== only) return;
      seen.add(event.id);
      console.log(`${event.occurredAt} ${event.instanceId} ${data.event} (run ${data.processId}):`, JSON.stringify(data.payload));
    },
  });
  const stop = async () => {
    await consumer.disconnect();
    await producer.disconnect();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
