/**
 * A downstream system mirroring records: reads RecordsChanged (and the RecordsChangedPart events
 * that carry the keys of large batches) from Kafka, and prints each batch's keys once it has them all.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 npx tsx tools/examples/records-changed-subscriber.ts [entity]
 *
 * A mirror would fetch `inserted` and `updated` through the query API and drop `deleted`. The
 * parts of one change follow it on its partition, so they arrive after it; delivery is
 * at-least-once, so parts are kept by number and events deduplicated by the envelope's `id`.
 * An async batch's BatchTaskCompleted follows its changes on the same partition: when it
 * arrives, the mirror has all the task changed.
 */
import { Kafka, logLevel } from 'kafkajs';

interface Keys {
  inserted: string[];
  updated: string[];
  deleted: string[];
}

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const only = process.argv[2];

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: 'records-changed-example', brokers, logLevel: logLevel.WARN });
  const consumer = kafka.consumer({ groupId: process.env.GROUP_ID ?? 'records-changed-example' });
  await consumer.connect();
  await consumer.subscribe({ topics: ['tollgate.query'], fromBeginning: true });
  const seen = new Set<string>();
  // Changes still waiting for parts, by the RecordsChanged event's id.
  const open = new Map<string, { event: any; parts: Map<number, Keys> }>();
  const done = (id: string) => {
    const change = open.get(id)!;
    if (change.parts.size < change.event.data.parts) return;
    open.delete(id);
    const all: Keys = { inserted: [], updated: [], deleted: [] };
    for (const part of [...change.parts.keys()].sort((a, b) => a - b).map((n) => change.parts.get(n)!)) {
      for (const list of ['inserted', 'updated', 'deleted'] as const) all[list].push(...part[list]);
    }
    const { instanceId, data } = change.event;
    console.log(`${instanceId} ${data.entity}: +${all.inserted.length} ~${all.updated.length} -${all.deleted.length}`, JSON.stringify(all));
  };
  await consumer.run({
    eachMessage: async ({ message }) => {
      const event = JSON.parse(message.value?.toString() ?? '{}');
      if (seen.has(event.id) || (only && event.data?.entity !== only)) return;
      if (event.type === 'RecordsChanged' && event.data.keys) {
        seen.add(event.id);
        open.set(event.id, { event, parts: new Map([[1, event.data.keys]]) });
        done(event.id);
      } else if (event.type === 'RecordsChangedPart' && open.has(event.data.changeId)) {
        seen.add(event.id);
        open.get(event.data.changeId)!.parts.set(event.data.part, event.data.keys);
        done(event.data.changeId);
      } else if (event.type === 'BatchTaskCompleted') {
        seen.add(event.id);
        const { taskId, entity, status, error } = event.data;
        console.log(`${event.instanceId} ${entity}: task ${taskId} ended ${status}${error ? ` (${error})` : ''}; its changes are all above`);
      }
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
