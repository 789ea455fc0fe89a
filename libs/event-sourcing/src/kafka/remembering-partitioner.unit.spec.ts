import { randomUUID } from 'node:crypto';
import { Partitioners, type PartitionerArgs } from 'kafkajs';
import { rememberingPartitioner } from './kafka-bus';

const metadata = (count: number): PartitionerArgs['partitionMetadata'] =>
  Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));

describe('rememberingPartitioner', () => {
  it('sends every key to the partition Kafka’s default partitioner picks, for each topic size', () => {
    const remembering = rememberingPartitioner();
    const reference = Partitioners.DefaultPartitioner();
    const keys = Array.from({ length: 200 }, () => randomUUID());
    for (const count of [1, 3, 6, 12]) {
      for (const key of [...keys, ...keys]) {
        const args = { topic: 'tollgate.credits', partitionMetadata: metadata(count), message: { key, value: 'v' } };
        expect(remembering(args)).toBe(reference(args));
      }
    }
  });

  it('keeps an explicit partition and spreads keyless messages as the default does', () => {
    const remembering = rememberingPartitioner();
    expect(remembering({ topic: 't', partitionMetadata: metadata(6), message: { key: 'k', value: 'v', partition: 4 } })).toBe(4);
    const seen = new Set(Array.from({ length: 60 }, () => remembering({ topic: 't', partitionMetadata: metadata(6), message: { value: 'v' } })));
    expect(seen.size).toBe(6);
  });
});
