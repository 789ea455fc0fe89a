import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { Kafka, logLevel } from 'kafkajs';
import { DEAD_LETTER_HEADERS, deadLetterTopic, TOPICS } from '@tollgate/contracts';
import { collectMessages, eventually, produceRaw, testBrokers } from '@tollgate/testing';

jest.setTimeout(120_000);

const REPO = path.resolve(__dirname, '..', '..');

/**
 * The example as the README runs it (`tsx`, a consumer group of its own), its printed lines kept.
 * The group starts at the topic's end, so it reads what the test publishes, not other tests' history.
 */
async function startExample(file: string, groupId: string, args: string[] = []) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, file), ...args], {
    cwd: REPO,
    env: { ...process.env, KAFKA_BROKERS: testBrokers().join(','), GROUP_ID: groupId },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const warnings: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  createInterface({ input: child.stderr! }).on('line', (line) => warnings.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    lines,
    warnings,
    /** Stops it as Ctrl-C or an orchestrator would. */
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

type Example = Awaited<ReturnType<typeof startExample>>;

async function startGroupAtEnd(groupId: string, topic: string): Promise<void> {
  const admin = new Kafka({ brokers: testBrokers(), clientId: 'examples-test', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
  } finally {
    await admin.disconnect();
  }
}

const envelope = (type: string, aggregateId: string, data: object, id = randomUUID()) =>
  JSON.stringify({ id, type, version: 1, instanceId: 'examples-test', aggregateId, sequence: 0, occurredAt: new Date().toISOString(), data });

describe('records-changed-subscriber example (real Kafka)', () => {
  const running: Example[] = [];
  const start = async (groupId: string, entity: string) => {
    const example = await startExample('records-changed-subscriber.ts', groupId, [entity]);
    running.push(example);
    return example;
  };
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.stop()));
  });

  // Its RecordsChanged key: all of one entity's events share a partition, in order.
  const keyOf = (entity: string) => `entity-type:examples-test:${entity}`;
  const keys = (inserted: string[]) => ({ inserted, updated: [], deleted: [] });
  const changed = (entity: string, inserted: string[], parts: number, id = randomUUID()) =>
    envelope('RecordsChanged', keyOf(entity), { entity, inserted: 2, updated: 0, deleted: 0, keys: keys(inserted), parts }, id);
  const reported = (entity: string, inserted: string[]) => `examples-test ${entity}: +${inserted.length} ~0 -0 ${JSON.stringify(keys(inserted))}`;

  it('reports a change whose last part arrives after a restart', async () => {
    const entity = `e${randomUUID().slice(0, 8)}`;
    const groupId = `records-example-${randomUUID()}`;
    await startGroupAtEnd(groupId, TOPICS.query);
    const changeId = randomUUID();

    const first = await start(groupId, entity);
    await produceRaw(testBrokers(), TOPICS.query, [
      { key: keyOf(entity), value: changed(entity, ['a1'], 2, changeId) },
      // A whole change after it: once this is reported, the first part has been read.
      { key: keyOf(entity), value: changed(entity, ['m1'], 1) },
    ]);
    await eventually(() => expect(first.lines).toContain(reported(entity, ['m1'])), { timeoutMs: 60_000 });
    expect(await first.stop()).toBe(0);

    const second = await start(groupId, entity);
    await produceRaw(testBrokers(), TOPICS.query, [
      { key: keyOf(entity), value: envelope('RecordsChangedPart', keyOf(entity), { entity, changeId, part: 2, parts: 2, keys: keys(['a2']) }) },
    ]);
    await eventually(() => expect(second.lines).toContain(reported(entity, ['a1', 'a2'])), { timeoutMs: 60_000 });
    expect(second.warnings.filter((w) => w.includes('skipped'))).toEqual([]);
  });

  it('sets aside what is not a valid event and reads on', async () => {
    const entity = `e${randomUUID().slice(0, 8)}`;
    const groupId = `records-example-${randomUUID()}`;
    await startGroupAtEnd(groupId, TOPICS.query);
    const dlq = await collectMessages(testBrokers(), [deadLetterTopic(TOPICS.query)]);
    try {
      const example = await start(groupId, entity);
      await produceRaw(testBrokers(), TOPICS.query, [
        { key: keyOf(entity), value: 'not json at all' },
        { key: keyOf(entity), value: JSON.stringify({ id: randomUUID(), type: 'RecordsChanged' }) },
        { key: keyOf(entity), value: changed(entity, ['v1'], 1) },
      ]);
      await eventually(() => expect(example.lines).toContain(reported(entity, ['v1'])), { timeoutMs: 60_000 });
      const dead = await eventually(() => {
        const ours = dlq.messages.filter((m) => m.key === keyOf(entity) && m.headers[DEAD_LETTER_HEADERS.consumerGroup] === groupId);
        expect(ours).toHaveLength(2);
        return ours;
      });
      expect(dead.map((m) => m.value)).toEqual(['not json at all', expect.stringContaining('"RecordsChanged"')]);
      expect(dead[0].headers[DEAD_LETTER_HEADERS.reason]).toBe('message is not valid JSON');
      expect(dead[1].headers[DEAD_LETTER_HEADERS.reason]).toContain('invalid envelope');
      expect(dead.every((m) => m.headers[DEAD_LETTER_HEADERS.topic] === TOPICS.query)).toBe(true);
    } finally {
      await dlq.stop();
    }
  });
});

describe('flow-emitted-subscriber example (real Kafka)', () => {
  let example: Example | undefined;
  afterEach(async () => {
    await example?.stop();
    example = undefined;
  });

  it('sets aside what is not a valid event and reads on', async () => {
    const name = `examples.${randomUUID()}`;
    const flowKey = `flow:${randomUUID()}`;
    const groupId = `flows-example-${randomUUID()}`;
    await startGroupAtEnd(groupId, TOPICS.flows);
    const dlq = await collectMessages(testBrokers(), [deadLetterTopic(TOPICS.flows)]);
    try {
      example = await startExample('flow-emitted-subscriber.ts', groupId, [name]);
      await produceRaw(testBrokers(), TOPICS.flows, [
        { key: flowKey, value: 'not json at all' },
        { key: flowKey, value: JSON.stringify({ id: randomUUID(), type: 'FlowEmitted' }) },
        { key: flowKey, value: envelope('FlowEmitted', flowKey, { processId: 'proc_1', flowId: 'flow_1', event: name, payload: { n: 1 } }) },
      ]);
      await eventually(() => expect(example!.lines.some((l) => l.includes(`${name} (run proc_1): {"n":1}`))).toBe(true), { timeoutMs: 60_000 });
      const dead = await eventually(() => {
        const ours = dlq.messages.filter((m) => m.key === flowKey && m.headers[DEAD_LETTER_HEADERS.consumerGroup] === groupId);
        expect(ours).toHaveLength(2);
        return ours;
      });
      expect(dead[0].value).toBe('not json at all');
      expect(dead[0].headers[DEAD_LETTER_HEADERS.reason]).toBe('message is not valid JSON');
      expect(dead[1].headers[DEAD_LETTER_HEADERS.reason]).toContain('invalid envelope');
    } finally {
      await dlq.stop();
    }
  });
});
