/**
 * A downstream system mirroring records: reads RecordsChanged (and the RecordsChangedPart events
 * that carry the keys of large batches) from Kafka, and prints each batch's keys once it has them all.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 npx tsx tools/examples/records-changed-subscriber.ts [entity]
 *
 * A mirror would fetch `inserted` and `updated` through the query API and drop `deleted`. The
 * parts of one change follow it on its partition, so they arrive after it. The parts read so far
 * live in memory only, so offsets are committed by hand: on each partition, never past the first
 * change still waiting for parts. A restart, or a rebalance, reads that change again from its
 * RecordsChanged; changes after it that were already whole are read again too, so a mirror applies
 * a change idempotently (within one run they are skipped by the envelope's `id`).
 * Every message is validated against Tollgate's event catalogue; what is not a valid event is set
 * aside on `tollgate.query.dlq` instead of stopping the subscriber.
 * An async batch's BatchTaskCompleted follows its changes on the same partition: when it
 * arrives, the mirror has all the task changed.
 */
import { Kafka, logLevel } from 'kafkajs';
import {
  TOPICS,
  tollgateCatalog,
  type BatchTaskCompletedV1,
  type EventEnvelope,
  type RecordKeysV1,
  type RecordsChangedPartV1,
  type RecordsChangedV1,
} from '@tollgate/contracts';
import { deadLetter } from './dead-letter';

/** A change read in part: its RecordsChanged, where that is in the partition, and its parts by number. */
interface OpenChange {
  offset: bigint;
  event: EventEnvelope<RecordsChangedV1>;
  parts: Map<number, RecordKeysV1>;
}

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const groupId = process.env.GROUP_ID ?? 'records-changed-example';
const only = process.argv[2];

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: 'records-changed-example', brokers, logLevel: logLevel.WARN });
  const producer = kafka.producer(); // for dead letters
  const consumer = kafka.consumer({ groupId });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topics: [TOPICS.query], fromBeginning: true });

  // Changes still waiting for parts, by partition, then by the RecordsChanged event's id.
  const open = new Map<number, Map<string, OpenChange>>();
  // After a rebalance, every partition is read again from its committed offset: its changes start afresh.
  consumer.on(consumer.events.GROUP_JOIN, () => open.clear());
  // Ids of the changes and task ends reported in this run.
  const reported = new Set<string>();

  const complete = (waiting: Map<string, OpenChange>, change: OpenChange) => {
    if (change.parts.size < (change.event.data.parts ?? 1)) return;
    waiting.delete(change.event.id);
    reported.add(change.event.id);
    const all: RecordKeysV1 = { inserted: [], updated: [], deleted: [] };
    for (const part of [...change.parts.keys()].sort((a, b) => a - b).map((n) => change.parts.get(n)!)) {
      for (const list of ['inserted', 'updated', 'deleted'] as const) all[list].push(...part[list]);
    }
    const { instanceId, data } = change.event;
    console.log(`${instanceId} ${data.entity}: +${all.inserted.length} ~${all.updated.length} -${all.deleted.length}`, JSON.stringify(all));
  };

  // `event` has passed validation: its data is what its type's contract says.
  const handle = (event: EventEnvelope<any>, waiting: Map<string, OpenChange>, offset: bigint) => {
    if (reported.has(event.id) || (only && event.data.entity !== only)) return;
    if (event.type === 'RecordsChanged') {
      const data: RecordsChangedV1 = event.data;
      if (!data.keys) return; // published before keys were added
      const change = waiting.get(event.id) ?? { offset, event, parts: new Map() };
      change.parts.set(1, data.keys);
      waiting.set(event.id, change);
      complete(waiting, change);
    } else if (event.type === 'RecordsChangedPart') {
      const data: RecordsChangedPartV1 = event.data;
      const change = waiting.get(data.changeId);
      if (change) {
        change.parts.set(data.part, data.keys);
        complete(waiting, change);
      } else if (!reported.has(data.changeId)) {
        // Only when the RecordsChanged itself was never read: set aside, or gone from the topic.
        console.warn(`part ${data.part} of change ${data.changeId} (${data.entity}) skipped: its RecordsChanged was not read`);
      }
    } else if (event.type === 'BatchTaskCompleted') {
      reported.add(event.id);
      const { taskId, entity, status, error }: BatchTaskCompletedV1 = event.data;
      console.log(`${event.instanceId} ${entity}: task ${taskId} ended ${status}${error ? ` (${error})` : ''}; its changes are all above`);
    }
  };

  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      const waiting = open.get(partition) ?? new Map<string, OpenChange>();
      open.set(partition, waiting);
      const result = tollgateCatalog.validate(message.value, topic);
      if (result.ok) handle(result.event, waiting, BigInt(message.offset));
      else await deadLetter(producer, { groupId, topic, partition, message }, result.reason);
      // Commit past this message, or only up to the first change still waiting for parts.
      let next = BigInt(message.offset) + 1n;
      for (const change of waiting.values()) if (change.offset < next) next = change.offset;
      await consumer.commitOffsets([{ topic, partition, offset: String(next) }]);
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
