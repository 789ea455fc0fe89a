import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Pool, type PoolClient } from 'pg';
import Cursor from 'pg-cursor';
import { ErrorCode } from '@tollgate/contracts';
import { StatementNames, sqlStateOf } from '@tollgate/event-sourcing';
import { ApiException, connectGuarded } from '@tollgate/service-runtime';
import { QUERY_CONFIG, type QueryConfig } from '../config/query.config';
import { readsRefusedBusy, readsTimedOut } from './read-metrics';
import { ReadShares, ShareWaitTimedOut } from './read-shares';

const QUERY_CANCELED = '57014';
/** Up to this many rows are fetched in one round trip; beyond it, a cursor streams them. */
export const SMALL_RESULT = 1000;
const BATCH = 1000;
/**
 * How many statement shapes are kept prepared on each connection. A shape is the SQL text of one
 * combination of entity, sort, order, filters and displayed columns; a deployment sees a few dozen.
 * Shapes beyond the cap are parsed and planned on every call, as unnamed statements are. Parsing
 * and planning cost PostgreSQL more than running a 10-row read along an index, and a prepared
 * statement is parsed once per connection and planned once its plan proves generic.
 */
const PREPARED_SHAPES = 256;

export type Row = unknown[];

/** Rows of one statement: the first batch already read (errors surface before any byte is sent). */
export interface RowSource {
  first: Row[];
  /** Whether rows remain after `first`: the cursor, and its connection, stay open for them. */
  more: boolean;
  rest(): AsyncGenerator<Row[]>;
  close(): void;
}

export function timeoutError(): ApiException {
  return new ApiException(ErrorCode.Timeout, 'The query took too long and was cancelled; narrow it (period, limit, entities)');
}

/** What node-postgres says when every connection of a pool stayed busy for connectionTimeoutMillis (QUERY_POOL_WAIT_MS). */
const POOL_WAIT_TIMEOUT = 'timeout exceeded when trying to connect';

/** A read over its time limit (cancelled by the database, or with no time left to start), counted. */
function timedOut(): ApiException {
  readsTimedOut.inc();
  return timeoutError();
}

/**
 * One request's time limit, shared by the reads it makes in turn (a query's entities before its
 * answer starts, a GraphQL request's root fields): each call gives the next read its timeout. The
 * first gets the limit whole (the session's setting, no extra round trip), each later one what is
 * left of it, and one with nothing left is a timeout.
 */
export function sharedTimeLimit(timeoutMs: number): () => number {
  const deadline = Date.now() + timeoutMs;
  let reads = 0;
  return () => {
    if (reads++ === 0) return timeoutMs;
    const left = deadline - Date.now();
    if (left < 1) throw timedOut();
    return left;
  };
}

function translate(error: unknown): unknown {
  return sqlStateOf(error) === QUERY_CANCELED ? timedOut() : error;
}

function busyError(): ApiException {
  readsRefusedBusy.inc();
  return new ApiException(ErrorCode.Unavailable, 'The service is busy reading records just now; retry shortly', { headers: { 'Retry-After': '1' } });
}

/** Whether a read of this many rows goes through a cursor (undefined: as many as there are). */
export function isStreamed(expectedRows: number | undefined): boolean {
  return expectedRows === undefined || expectedRows > SMALL_RESULT;
}

/**
 * Reads records on pools of their own whose sessions carry statement_timeout, so a runaway query
 * is cancelled by PostgreSQL itself and the connection stays usable. Large results go through a
 * server-side cursor and are pulled batch by batch as the client consumes them: memory stays flat.
 * A cursor keeps its connection as long as its client takes to download, so cursors have a pool
 * of their own: however many exports are under way, reads answered in one round trip find a
 * connection.
 */
@Injectable()
export class RecordReader implements OnApplicationShutdown {
  private readonly pool: Pool;
  private readonly streamPool: Pool;
  private readonly defaultTimeoutMs: number;
  private readonly statements = new StatementNames('records', PREPARED_SHAPES);
  private readonly shares: ReadShares;

  constructor(@Inject(QUERY_CONFIG) config: QueryConfig) {
    this.defaultTimeoutMs = config.QUERY_TIMEOUT_MS;
    const poolOf = (max: number) => {
      const pool = new Pool({ connectionString: config.DATABASE_URL, max, statement_timeout: config.QUERY_TIMEOUT_MS, connectionTimeoutMillis: config.QUERY_POOL_WAIT_MS });
      pool.on('error', () => undefined); // an idle client lost its server; the pool replaces it
      return pool;
    };
    this.pool = poolOf(config.QUERY_POOL_SIZE);
    this.streamPool = poolOf(config.QUERY_STREAM_POOL_SIZE);
    this.shares = new ReadShares(config.QUERY_READS_PER_INSTANCE ?? Math.max(1, config.QUERY_POOL_SIZE - 2), config.QUERY_POOL_WAIT_MS);
  }

  /** A connection of `pool`; waiting in vain for a busy pool is answered 503 busy, not "unreachable". */
  private async connect(pool: Pool): Promise<PoolClient> {
    try {
      return await connectGuarded(pool);
    } catch (error) {
      if ((error as Error).message === POOL_WAIT_TIMEOUT) throw busyError();
      throw error;
    }
  }

  /**
   * A read answered in one round trip first takes one of its instance's share of the pool
   * (QUERY_READS_PER_INSTANCE); a streamed one took a stream slot before (StreamSlots).
   */
  private async connectFor(instanceId: string, streamed: boolean): Promise<{ client: PoolClient; giveBack: () => void }> {
    if (streamed) return { client: await this.connect(this.streamPool), giveBack: () => undefined };
    const giveBack = await this.shares.take(instanceId).catch((error: unknown) => {
      throw error instanceof ShareWaitTimedOut ? busyError() : error;
    });
    try {
      return { client: await this.connect(this.pool), giveBack };
    } catch (error) {
      giveBack();
      throw error;
    }
  }

  /**
   * `instanceId`: whose read it is, for its share of the pool. `prepared`: keep the statement
   * prepared on the connection (for record reads, whose shapes are few and whose plan is the same
   * for any values: an index walk in the requested order).
   */
  async open(
    sql: { text: string; values: unknown[] },
    options: { instanceId: string; timeoutMs: number; expectedRows?: number; prepared?: boolean },
  ): Promise<RowSource> {
    const streamed = isStreamed(options.expectedRows);
    const { client, giveBack } = await this.connectFor(options.instanceId, streamed);
    const custom = options.timeoutMs !== this.defaultTimeoutMs;
    let released = false;
    const release = (broken?: boolean) => {
      if (released) return;
      released = true;
      giveBack();
      if (custom && !broken) {
        client.query('RESET statement_timeout').then(
          () => client.release(),
          (e: Error) => client.release(e),
        );
      } else client.release(broken ? new Error('abandoned') : undefined);
    };
    try {
      if (custom) await client.query(`SET statement_timeout = ${Math.floor(options.timeoutMs)}`);
      if (!streamed) {
        const name = options.prepared ? this.statements.nameOf(sql.text) : undefined;
        const result = await client.query({ name, text: sql.text, values: sql.values, rowMode: 'array' });
        release();
        return { first: result.rows, more: false, rest: async function* () {}, close: () => undefined };
      }
      return await this.stream(client, sql, release);
    } catch (error) {
      release(sqlStateOf(error) !== QUERY_CANCELED);
      throw translate(error);
    }
  }

  /**
   * One round trip per batch of rows. While the consumer formats a batch, the next one is already
   * being read (PostgreSQL and this process work at the same time); never more than one ahead, so
   * memory stays at two batches whatever the result's size.
   */
  private async stream(client: PoolClient, sql: { text: string; values: unknown[] }, release: (broken?: boolean) => void) {
    const cursor = client.query(new Cursor<Row>(sql.text, sql.values, { rowMode: 'array' }));
    let done = false;
    let ahead: Promise<Row[]> | undefined;
    const nextBatch = async (): Promise<Row[]> => {
      if (done) return [];
      try {
        const rows = await cursor.read(BATCH);
        if (rows.length < BATCH) {
          done = true;
          await cursor.close();
          release();
        }
        return rows;
      } catch (error) {
        done = true;
        release(true);
        throw translate(error);
      }
    };
    const first = await nextBatch();
    return {
      first,
      more: !done,
      async *rest() {
        ahead = nextBatch();
        while (ahead) {
          const rows = await ahead;
          ahead = done ? undefined : nextBatch();
          if (rows.length) yield rows;
        }
      },
      close: () => {
        ahead?.catch(() => undefined); // the client is going away; that read's failure is expected
        if (done) return;
        done = true;
        cursor.close().catch(() => undefined);
        release(true);
      },
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.pool.end(), this.streamPool.end()]);
  }
}
