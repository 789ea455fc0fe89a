import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { BusLogger, KafkaBus } from '../kafka/kafka-bus';

export interface OutboxRelayOptions {
  /** The service's database, for the connection that holds the leadership lock. */
  databaseUrl: string;
  /** How long the relay waits between probes of an empty outbox. */
  pollIntervalMs?: number;
  batchSize?: number;
  /** Published rows are kept this long for inspection, then pruned. */
  retentionMs?: number;
  logger?: BusLogger;
  onPublished?(count: number, oldestCreatedAt: Date): void;
}

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  payload: string;
  created_at: Date;
}

// One relay per database publishes at a time, so replicas of a service never interleave batches.
const LEADER_LOCK_SQL = `SELECT pg_try_advisory_lock(hashtext('tollgate_outbox_relay')) AS locked`;

/**
 * Publishes outbox rows to Kafka in id order, at least once, and marks them sent. While rows keep
 * coming it publishes batch after batch; when the outbox is empty it probes it every
 * pollIntervalMs (an index-only look at unpublished rows). That bounds commit-to-publish latency
 * by the interval without the cluster-wide commit serialisation that NOTIFY would cost writers.
 */
export class OutboxRelay {
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly retentionMs: number;
  private connection?: Client;
  private leader = false;
  private stopping = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private pending = false;
  private lastPrune = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: KafkaBus,
    private readonly options: OutboxRelayOptions,
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 20;
    this.batchSize = options.batchSize ?? 500;
    this.retentionMs = options.retentionMs ?? 24 * 3600_000;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run();
  }

  /** Publishes what is queued (bounded by timeoutMs), then stops. */
  async stop(timeoutMs = 5000): Promise<void> {
    this.stopping = true;
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
         FROM outbox WHERE published_at IS NULL`,
    );
    return { count: row.count, oldestAgeMs: row.age };
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      let published = 0;
      try {
        await this.ensureLeaderConnection();
        if (this.leader) {
          published = await this.publishBatch();
          await this.pruneIfDue();
        }
        failures = 0;
      } catch (error) {
        failures++;
        const delay = Math.min(5000, 100 * 2 ** Math.min(failures, 6));
        this.options.logger?.warn({ err: (error as Error).message, retryInMs: delay }, 'outbox relay failed');
        await this.sleep(delay);
        continue;
      }
      if (published < this.batchSize) await this.sleep(this.pollIntervalMs);
    }
  }

  private async publishBatch(): Promise<number> {
    const rows: OutboxRow[] = await this.dataSource.query(
      `SELECT id, topic, message_key, payload, created_at FROM outbox
        WHERE published_at IS NULL ORDER BY id LIMIT $1`,
      [this.batchSize],
    );
    if (rows.length === 0) return 0;
    await this.bus.publish(rows.map((r) => ({ topic: r.topic, key: r.message_key, value: r.payload })));
    await this.dataSource.query(`UPDATE outbox SET published_at = clock_timestamp() WHERE id = ANY($1::bigint[])`, [
      rows.map((r) => r.id),
    ]);
    this.options.onPublished?.(rows.length, rows[0].created_at);
    return rows.length;
  }

  private async pruneIfDue(): Promise<void> {
    if (Date.now() - this.lastPrune < 60_000) return;
    this.lastPrune = Date.now();
    await this.dataSource.query(
      `DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < clock_timestamp() - ($1 || ' milliseconds')::interval`,
      [String(this.retentionMs)],
    );
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
