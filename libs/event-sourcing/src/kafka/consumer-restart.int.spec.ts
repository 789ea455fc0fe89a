import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { createTopics, produceRaw, testBrokers, uniqueName } from '@tollgate/testing';
import { KafkaBus } from './kafka-bus';

jest.setTimeout(90_000);


/** Starts a member of `groupId` in another process and resolves once it has its partitions. */
function memberElsewhere(groupId: string, topic: string) {
  // One process (tsx as a loader, not its launcher): killing it kills the member itself.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'group-member.fixture.ts'), testBrokers().join(','), groupId, topic], { stdio: ['ignore', 'pipe', 'inherit'] });
  const positioned = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('positioned') && resolve());
    child.once('exit', (code) => reject(new Error(`group member exited early (${code})`)));
  });
  return { child, positioned };
}

describe('a consumer group after one of its processes was killed (real Kafka)', () => {
  const bus = new KafkaBus({ brokers: testBrokers(), clientId: 'consumer-restart-test' });
  afterAll(() => bus.close());

  it('gets its partitions back and reads new events within seconds, not after the dead member’s 30 s', async () => {
    const topic = uniqueName('restart');
    const groupId = uniqueName('restart-group');
    await createTopics(testBrokers(), [topic], 1);
    const member = memberElsewhere(groupId, topic);
    await member.positioned;
    member.child.kill('SIGKILL'); // as `kill -9`: the member never leaves its group

    const received: number[] = [];
    const start = Date.now();
    const subscription = await bus.subscribe({ groupId, topics: [topic], fromBeginning: true, handle: async () => void received.push(Date.now()) });
    try {
      await produceRaw(testBrokers(), topic, [{ key: 'k', value: 'after the restart' }]);
      while (received.length === 0 && Date.now() - start < 60_000) await new Promise((r) => setTimeout(r, 50));
      expect(received).toHaveLength(1);
      // The dead member's session (6 s) and a rejoin; with the old 30 s session this took about 29 s.
      expect(received[0] - start).toBeLessThan(15_000);
    } finally {
      await subscription.stop();
    }
  });
});
