import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { TOPICS, tollgateCatalog, type EventEnvelope } from '@tollgate/contracts';
import { collectMessages, createTestDatabase, eventually, keyLifecycle, testBrokers, type TestDatabase } from '@tollgate/testing';
import { IdempotentConsumer } from '../consumers/idempotent-consumer';
import { CommandRunner } from '../event-store/command-runner';
import { EventStore } from '../event-store/event-store';
import { KafkaBus } from '../kafka/kafka-bus';
import { eventSourcingMigrations } from '../schema';
import { OutboxRelay, outboxCommitted, peekSql, type OutboxRelayOptions } from './outbox-relay';

jest.setTimeout(60_000);

interface RelayUnderTest {
  db: TestDatabase;
  bus: KafkaBus;
  relay: OutboxRelay;
  runner: CommandRunner;
  /** Everything published on the keys topic from the start of the block. */
  collector: Awaited<ReturnType<typeof collectMessages>>;
}

/** A fresh database with a running relay, and a collector on the keys topic, for one describe block. */
function relayUnderTest(name: string, options: Omit<OutboxRelayOptions, 'databaseUrl'> = {}): RelayUnderTest {
  const t = {} as RelayUnderTest;
  beforeAll(async () => {
    t.db = await createTestDatabase(eventSourcingMigrations, name);
    t.bus = new KafkaBus({ brokers: testBrokers(), clientId: `${name}-test` });
    t.relay = new OutboxRelay(t.db.dataSource, t.bus, { databaseUrl: t.db.url, ...options });
    t.runner = new CommandRunner(t.db.dataSource, new EventStore(), []);
    t.collector = await collectMessages(testBrokers(), [TOPICS.keys]);
    t.relay.start();
  });
  afterAll(async () => {
    await t.relay.stop();
    await t.collector.stop();
    await t.bus.close();
    await t.db.drop();
  });
  return t;
}

describe('outbox relay and idempotent consumer (real PostgreSQL and Kafka)', () => {
  const t = relayUnderTest('relay');
  const instanceId = `inst_${randomUUID()}`;
  // The topic is shared with other tests, some of which publish garbage on purpose.
  const mine = (value: string) => {
    try {
      return (JSON.parse(value) as EventEnvelope).instanceId === instanceId;
    } catch {
      return false;
    }
  };

  it('publishes every committed event once, in order per aggregate, keyed by aggregate id', async () => {
    const keys = Array.from({ length: 20 }, () => `key_${randomUUID()}`);
    await Promise.all(
      keys.map(async (keyId) => {
        await t.runner.run(keyLifecycle, { streamId: keyId, instanceId, command: { kind: 'issue', keyId } });
        await t.runner.run(keyLifecycle, { streamId: keyId, instanceId, command: { kind: 'revoke', keyId } });
      }),
    );

    const published = await eventually(
      () => {
        const list = t.collector.messages.filter((m) => mine(m.value));
        expect(list).toHaveLength(40);
        return list;
      },
      { timeoutMs: 4000 },
    );
    for (const keyId of keys) {
      const forKey = published.filter((m) => m.key === keyId).map((m) => JSON.parse(m.value) as EventEnvelope);
      expect(forKey.map((e) => `${e.type}#${e.sequence}`)).toEqual(['KeyIssued#1', 'KeyRevoked#2']);
      expect(new Set(published.filter((m) => m.key === keyId).map((m) => m.partition)).size).toBe(1);
    }
    expect(new Set(published.map((m) => JSON.parse(m.value).id)).size).toBe(40);
    const [{ n }] = await t.db.dataSource.query(`SELECT count(*)::int n FROM outbox`);
    expect(n).toBe(0);
  });

  it('never publishes an event whose transaction rolled back', async () => {
    const doomed = `key_${randomUUID()}`;
    const witness = `key_${randomUUID()}`;
    await t.db.dataSource
      .transaction(async (em) => {
        await t.runner.run(keyLifecycle, { streamId: doomed, instanceId, command: { kind: 'issue', keyId: doomed }, em });
        throw new Error('rollback');
      })
      .catch(() => undefined);
    await t.runner.run(keyLifecycle, { streamId: witness, instanceId, command: { kind: 'issue', keyId: witness } });

    // The witness was committed after the doomed one: once it has arrived, the doomed one never will.
    await eventually(() => expect(t.collector.messages.some((m) => m.key === witness)).toBe(true));
    expect(t.collector.messages.some((m) => m.key === doomed)).toBe(false);
  });

  it('delivers to a consumer that applies each event once, even when handed it twice', async () => {
    await t.db.dataSource.query(`CREATE TABLE applied (event_id uuid, key_id text)`);
    const consumer = new IdempotentConsumer(t.db.dataSource, t.bus, tollgateCatalog, {
      groupId: `test-${randomUUID()}`,
      topics: [TOPICS.keys],
      // Other tests share the topic: start at its end rather than replaying their history.
      fromBeginning: false,
      handlers: {
        KeyIssued: async (em, event) => {
          if (event.instanceId !== instanceId) return;
          await em.query(`INSERT INTO applied VALUES ($1, $2)`, [event.id, event.aggregateId]);
        },
      },
    });
    await consumer.start();
    await consumer.ready();
    try {
      const keyId = `key_${randomUUID()}`;
      const { events } = await t.runner.run(keyLifecycle, { streamId: keyId, instanceId, command: { kind: 'issue', keyId } });
      await eventually(async () => {
        const rows = await t.db.dataSource.query(`SELECT * FROM applied WHERE key_id = $1`, [keyId]);
        expect(rows).toHaveLength(1);
      });

      // A redelivery (rebalance, crash before the offset commit) hands the same event over again.
      expect(await consumer.apply(events[0])).toBe(false);
      expect(await consumer.apply(events[0])).toBe(false);
      const rows = await t.db.dataSource.query(`SELECT * FROM applied WHERE key_id = $1`, [keyId]);
      expect(rows).toHaveLength(1);
    } finally {
      await consumer.stop();
    }
  });

  it('reports its backlog for readiness checks', async () => {
    await eventually(async () => expect((await t.relay.backlog()).count).toBe(0));
  });
});

describe('outbox relay when idle (real PostgreSQL and Kafka)', () => {
  // Empty probes back off 20, 40, … 2,560 ms (capped at 3 s); after 2.7 s idle the relay is in a
  // 2.56 s wait, so a row that is not announced waits about 2.4 s more.
  const IDLE_MS = 2700;
  const WOKEN_WITHIN_MS = 1000;
  const t = relayUnderTest('relayidle', { pollIntervalMs: 20, idlePollIntervalMs: 3000 });
  const instanceId = `inst_${randomUUID()}`;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const arrival = async (key: string, since: number) => {
    await eventually(() => expect(t.collector.messages.some((m) => m.key === key)).toBe(true), { timeoutMs: 6000 });
    return Date.now() - since;
  };
  /** A commit made on a connection of its own, as a writer outside TypeORM (or another process) does. */
  const commitElsewhere = async (keyId: string) => {
    const client = new Client({ connectionString: t.db.url });
    await client.connect();
    const envelope = { id: randomUUID(), type: 'KeyIssued', version: 1, instanceId, aggregateId: keyId, sequence: 1, occurredAt: new Date().toISOString(), data: { keyId } };
    await client.query(`INSERT INTO outbox (event_id, topic, message_key, payload) VALUES ($1, $2, $3, $4)`, [envelope.id, TOPICS.keys, keyId, JSON.stringify(envelope)]);
    await client.end();
  };

  it('publishes a transaction committed in its process at once, not at its next probe', async () => {
    await sleep(IDLE_MS);
    const keyId = `key_${randomUUID()}`;
    const since = Date.now();
    await t.runner.run(keyLifecycle, { streamId: keyId, instanceId, command: { kind: 'issue', keyId } });
    expect(await arrival(keyId, since)).toBeLessThan(WOKEN_WITHIN_MS);
  });

  it('is woken the same way by a writer that commits outside TypeORM and says so', async () => {
    await sleep(IDLE_MS);
    const keyId = `key_${randomUUID()}`;
    const since = Date.now();
    await commitElsewhere(keyId);
    outboxCommitted(t.db.dataSource);
    expect(await arrival(keyId, since)).toBeLessThan(WOKEN_WITHIN_MS);
  });

  it('still finds rows nobody announced (another process) within its idle probe interval', async () => {
    await sleep(IDLE_MS);
    const keyId = `key_${randomUUID()}`;
    const since = Date.now();
    await commitElsewhere(keyId);
    expect(await arrival(keyId, since)).toBeLessThan(3000 + 1000);
  });
});

describe('outbox relay over a long history (real PostgreSQL and Kafka)', () => {
  const VACUUM_AFTER = 100;
  const t = relayUnderTest('relaylong', { vacuumAfterRows: VACUUM_AFTER });
  const instanceId = `inst_${randomUUID()}`;

  /** `count` KeyIssued events, one stream each, committed in one transaction. */
  const issueKeys = async (count: number): Promise<string[]> => {
    const keys = Array.from({ length: count }, () => `key_${randomUUID()}`);
    await t.db.dataSource.transaction(async (em) => {
      for (const keyId of keys) await t.runner.run(keyLifecycle, { streamId: keyId, instanceId, command: { kind: 'issue', keyId }, em });
    });
    return keys;
  };

  it('keeps probing the outbox by index however much history there is, with the plan it made when it started', async () => {
    // The relay prepares its probe once per connection; a plan made on an empty database must not
    // end up reading the whole events table once the history is long.
    const client = new Client({ connectionString: t.db.url });
    await client.connect();
    try {
      await client.query(`PREPARE probe AS ${peekSql(500)}`);
      await client.query(`EXECUTE probe`);
      await client.query(
        `INSERT INTO events (event_id, stream_id, version, instance_id, type, type_version, data, occurred_at)
         SELECT gen_random_uuid(), 'history-' || g, 1, $1, 'KeyRevoked', 1, jsonb_build_object('keyId', 'history-' || g), now()
           FROM generate_series(1, 20000) g`,
        [instanceId],
      );
      const { rows } = await client.query(`EXPLAIN (FORMAT JSON) EXECUTE probe`);
      const nodes: { 'Node Type': string; 'Relation Name'?: string }[] = [];
      const walk = (node: { Plans?: unknown[] } & (typeof nodes)[number]) => {
        nodes.push(node);
        for (const child of node.Plans ?? []) walk(child as typeof node);
      };
      walk(rows[0]['QUERY PLAN'][0].Plan);
      const onEvents = nodes.filter((n) => n['Relation Name'] === 'events').map((n) => n['Node Type']);
      expect(onEvents).toEqual(['Index Scan']);
      expect(nodes.map((n) => n['Node Type'])).not.toContain('Hash');
    } finally {
      await client.end();
    }
  });

  it('does not let the outbox grow with the events that passed through it', async () => {
    const pages = async () => (await t.db.dataSource.query(`SELECT pg_relation_size('outbox') / current_setting('block_size')::int AS n`))[0].n as number;
    const drained = () => eventually(async () => expect((await t.relay.backlog()).count).toBe(0), { timeoutMs: 10_000 });
    await drained();
    const rounds = 10;
    let last: string[] = [];
    for (let round = 0; round < rounds; round++) {
      last = await issueKeys(VACUUM_AFTER);
      await drained();
    }
    await eventually(() => expect(t.collector.messages.some((m) => m.key === last[last.length - 1])).toBe(true));
    // 1,000 rows were written and deleted: about a dozen pages if nothing reclaimed them. Each
    // vacuum frees what the rounds before it left, so new rows reuse the same pages.
    expect(Number(await pages())).toBeLessThanOrEqual(3);
  });
});
