import { Client } from 'pg';
import type { DataSource, EntitySubscriberInterface, TransactionCommitEvent } from 'typeorm';
import { ENVELOPE_JSON_SQL, takeOutboxWritten } from '../event-store/event-store';
import type { BusLogger, KafkaBus } from '../kafka/kafka-bus';

export interface OutboxRelayOptions {
  /** The service's database, for the connection that holds the leadership lock. */
  databaseUrl: string;
  /** How long the relay waits before probing again after publishing (while events keep coming). */
  pollIntervalMs?: number;
  /**
   * The longest wait between probes of an outbox that stays empty: the wait doubles from
   * pollIntervalMs up to this. Commits made in this process wake the relay at once; this bounds
   * how late it sees rows committed by another process (a replica, a script).
   */
  idlePollIntervalMs?: number;
  batchSize?: number;
  /**
   * The relay vacuums the outbox each time it has deleted this many rows (default 10,000). See
   * `vacuumIfDue`.
   */
  vacuumAfterRows?: number;
  logger?: BusLogger;
  onPublished?(count: number, oldestCreatedAt: Date): void;
}

/** The relay started on each data source of this process, for writers that commit outside TypeORM. */
const relays = new WeakMap<DataSource, OutboxRelay>();

/**
 * For writers that commit outbox rows on their own connections (not through a TypeORM
 * transaction): wakes the relay of that data source, if one runs in this process.
 */
export function outboxCommitted(dataSource: DataSource): void {
  relays.get(dataSource)?.committed();
}

// One relay per database publishes at a time, so replicas of a service never interleave batches.
const LEADER_LOCK_SQL = `SELECT pg_try_advisory_lock(hashtext('tollgate_outbox_relay')) AS locked`;

/**
 * Publishes outbox rows to Kafka in id order, at least once, and deletes them once Kafka has
 * them (the events table keeps the history). While rows keep coming it publishes batch after
 * batch, probing again pollIntervalMs after each: the pause lets a busy service's events leave in
 * batches. An outbox that stays empty is probed less and less often, down to every
 * idlePollIntervalMs, so an idle service costs next to nothing; a commit in this process that
 * queued rows wakes an idle relay at once (TypeORM transactions through `afterTransactionCommit`,
 * other writers by calling `outboxCommitted`). This avoids NOTIFY, which would serialise every
 * writer's commit cluster-wide.
 */
export class OutboxRelay {
  private readonly pollIntervalMs: number;
  private readonly idlePollIntervalMs: number;
  private readonly batchSize: number;
  private readonly vacuumAfterRows: number;
  /** Rows deleted since the outbox was last vacuumed. */
  private deletedSinceVacuum = 0;
  private idle = false;
  private readonly commitListener: EntitySubscriberInterface = {
    afterTransactionCommit: (event: TransactionCommitEvent) => {
      if (takeOutboxWritten(event.queryRunner)) this.committed();
    },
  };
  private connection?: Client;
  private leader = false;
  private stopping = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private pending = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: KafkaBus,
    private readonly options: OutboxRelayOptions,
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 20;
    this.idlePollIntervalMs = Math.max(this.pollIntervalMs, options.idlePollIntervalMs ?? 100);
    this.batchSize = options.batchSize ?? 500;
    this.vacuumAfterRows = options.vacuumAfterRows ?? 10_000;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.dataSource.subscribers.push(this.commitListener);
    relays.set(this.dataSource, this);
    this.loop = this.run();
  }

  /**
   * This process has committed outbox rows. An idle relay publishes them now rather than at its
   * next probe; a busy one takes them with its next batch, pollIntervalMs at most from now.
   */
  committed(): void {
    if (this.idle) this.signal();
  }

  /** Publishes what is queued (bounded by timeoutMs), then stops. */
  async stop(timeoutMs = 5000): Promise<void> {
    this.stopping = true;
    const listener = this.dataSource.subscribers.indexOf(this.commitListener);
    if (listener >= 0) this.dataSource.subscribers.splice(listener, 1);
    if (relays.get(this.dataSource) === this) relays.delete(this.dataSource);
    this.signal();
    await this.loop;
    this.loop = undefined;
    const deadline = Date.now() + timeoutMs;
    try {
      while (this.leader && Date.now() < deadline && (await this.publishBatch()) > 0);
    } catch (error) {
      this.options.logger?.warn({ err: (error as Error).message }, 'outbox flush on shutdown incomplete');
    }
    await this.closeLeaderConnection();
  }

  /** Rows not yet published, and the age of the oldest, for readiness and metrics. */
  async backlog(): Promise<{ count: number; oldestAgeMs: number }> {
    const [row] = await this.dataSource.query(
      `SELECT count(*)::int AS count,
              coalesce(extract(epoch FROM clock_timestamp() - min(created_at)) * 1000, 0)::float AS age
         FROM outbox`,
    );
    return { count: row.count, oldestAgeMs: row.age };
  }

  private async run(): Promise<void> {
    let failures = 0;
    let wait = this.pollIntervalMs;
    while (!this.stopping) {
      let published = 0;
      try {
        await this.ensureLeaderConnection();
        if (this.leader) {
          published = await this.publishBatch();
        }
        failures = 0;
      } catch (error) {
        failures++;
        const delay = Math.min(5000, 100 * 2 ** Math.min(failures, 6));
        this.options.logger?.warn({ err: (error as Error).message, retryInMs: delay }, 'outbox relay failed');
        await this.sleep(delay);
        continue;
      }
      if (published >= this.batchSize) continue;
      wait = published > 0 ? this.pollIntervalMs : Math.min(this.idlePollIntervalMs, wait * 2);
      this.idle = published === 0;
      await this.sleep(wait);
      this.idle = false;
    }
  }

  /**
   * Reads and deletes on the leader's own connection, as prepared statements: a probe of an empty
   * outbox then costs PostgreSQL an index lookup instead of parsing and planning the envelope query.
   */
  private async publishBatch(): Promise<number> {
    const client = this.connection;
    if (!client) return 0;
    const rows = await peekOutbox(client, this.batchSize);
    if (rows.length === 0) return 0;
    await this.bus.publish(rows.map((r) => ({ topic: r.topic, key: r.key, value: r.value })));
    await client.query({ name: 'outbox-delete', text: DELETE_SQL, values: [rows.map((r) => r.id)] });
    this.options.onPublished?.(rows.length, rows[0].createdAt);
    this.deletedSinceVacuum += rows.length;
    await this.vacuumIfDue(client);
    return rows.length;
  }

  /**
   * The outbox is a queue: every row is deleted soon after it is written. Until a vacuum reclaims
   * them, the deleted rows stay in the table and its index, at the head of the order the relay
   * reads in, so every probe walks past all of them: measured here, 4.5 ms for an empty outbox
   * after 45,000 events, growing with every event. Autovacuum may be off, or late to a table that
   * churns this fast; the relay vacuums the outbox itself every `vacuumAfterRows` deleted rows
   * (about 3 ms per 10,000). It keeps the table's pages: giving them back would need the table's
   * exclusive lock, which the vacuum waits up to five seconds for while writers insert. A vacuum
   * that fails is retried at the next threshold; publishing goes on either way.
   */
  private async vacuumIfDue(client: Client): Promise<void> {
    if (this.deletedSinceVacuum < this.vacuumAfterRows) return;
    this.deletedSinceVacuum = 0;
    try {
      await client.query('VACUUM (TRUNCATE false) outbox');
    } catch (error) {
      this.options.logger?.warn({ err: (error as Error).message }, 'outbox vacuum failed');
    }
  }

  private async ensureLeaderConnection(): Promise<void> {
    if (this.connection) {
      if (!this.leader) this.leader = (await this.connection.query(LEADER_LOCK_SQL)).rows[0].locked;
      return;
    }
    const client = new Client({ connectionString: this.options.databaseUrl });
    const drop = () => {
      if (this.connection === client) {
        this.connection = undefined;
        this.leader = false; // the advisory lock died with the session
      }
    };
    client.on('error', drop);
    client.on('end', drop);
    try {
      await client.connect();
      this.leader = (await client.query(LEADER_LOCK_SQL)).rows[0].locked;
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.connection = client;
  }

  private async closeLeaderConnection(): Promise<void> {
    const client = this.connection;
    this.connection = undefined;
    this.leader = false;
    await client?.end().catch(() => undefined);
  }

  private signal(): void {
    this.pending = true;
    this.wake?.();
  }

  /** Waits for the timeout, or less when stop() is called. */
  private sleep(ms: number): Promise<void> {
    if (this.pending || this.stopping) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        if (this.wake === wake) this.wake = undefined;
        this.pending = false;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wake = wake;
    });
  }
}

/** A message waiting in the outbox, as the relay will publish it. */
export interface OutboxMessage {
  id: string;
  topic: string;
  key: string;
  value: string;
  createdAt: Date;
}

// The envelope of a stored event is built by PostgreSQL: parsing the row into objects here only
// to serialise them again cost the relay more than sending them.
// The limit is written into the text (a whole number, checked): with LIMIT bound as a parameter
// PostgreSQL plans the prepared statement again on every probe instead of keeping one plan.
// The event is looked up row by row (a correlated subquery, one index probe each), not joined: the
// relay keeps its statement prepared for as long as it runs, and a join planned while the events
// table was small stays a hash join over the whole table until the table is next analysed, which
// on a server without autovacuum is never. Each probe would then read the entire history.
export const peekSql = (limit: number): string => {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`invalid outbox batch size ${limit}`);
  return `SELECT o.id, o.topic, o.message_key, o.created_at,
            coalesce(o.payload, (SELECT ${ENVELOPE_JSON_SQL('e')} FROM events e WHERE e.event_id = o.event_id)) AS value
       FROM outbox o
      ORDER BY o.id LIMIT ${limit}`;
};
const DELETE_SQL = `DELETE FROM outbox WHERE id = ANY($1::bigint[])`;

/** The oldest `limit` messages waiting in the outbox, in the order the relay publishes them. */
export async function peekOutbox(db: DataSource | Client, limit: number): Promise<OutboxMessage[]> {
  type PeekRow = { id: string; topic: string; message_key: string; value: string | null; created_at: Date };
  const rows: PeekRow[] =
    'createQueryRunner' in db ? await db.query(peekSql(limit)) : (await db.query<PeekRow>({ name: `outbox-peek-${limit}`, text: peekSql(limit) })).rows;
  return rows.map((row) => {
    // Both rows are written in one transaction, so this means the events table was altered by hand.
    if (row.value === null) throw new Error(`outbox row ${row.id} has neither a payload nor its event`);
    return { id: row.id, topic: row.topic, key: row.message_key, value: row.value, createdAt: row.created_at };
  });
}
