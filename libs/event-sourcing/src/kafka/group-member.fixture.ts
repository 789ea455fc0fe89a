// A consumer group member in a process of its own, for tests that kill it without letting it leave:
// tsx group-member.fixture.ts <brokers> <groupId> <topic>. Prints "positioned" once it fetches.
import { KafkaBus } from './kafka-bus';

async function main(): Promise<void> {
  const [brokers, groupId, topic] = process.argv.slice(2);
  const bus = new KafkaBus({ brokers: brokers.split(','), clientId: 'group-member' });
  const subscription = await bus.subscribe({ groupId, topics: [topic], fromBeginning: true, handle: async () => undefined });
  await subscription.ready;
  process.stdout.write('positioned\n');
}

void main();
