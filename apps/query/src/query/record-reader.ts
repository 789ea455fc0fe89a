import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Pool, type PoolClient } from 'pg';
import Cursor from 'pg-cursor';
import { ErrorCode } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { QUERY_CONFIG, type QueryConfig } from '../config/query.config';

const QUERY_CANCELED = '57014';
/** Up to this many rows are fetched in one round trip; beyond it, a cursor streams them. */
const SMALL_RESULT = 1000;
const BATCH = 1000;

export type Row = unknown[];

/** Rows of one statement: the first batch already read (errors surface before any byte is sent). */
export interface RowSource {
  first: Row[];
  rest(): AsyncGenerator<Row[]>;
  close(): void;
}

export function timeoutError(): ApiException {
  return new ApiException(ErrorCode.Timeout, 'The query took too long and was cancelled; narrow it (period, limit, entities)');
}

function translate(error: unknown): unknown {
  return (error as { code?: string }).code === QUERY_CANCELED ? timeoutError() : error;
}

/**
 * Reads records on a pool of its own whose sessions carry statement_timeout, so a runaway query
 * is cancelled by PostgreSQL itself and the connection stays usable. Large results go through a
 * server-side cursor and are pulled batch by batch as the client consumes them: memory stays flat.
 */
@Injectable()
export class RecordReader implements OnApplicationShutdown {
  private readonly pool: Pool;
  private readonly defaultTimeoutMs: number;

  constructor(@Inject(QUERY_CONFIG) config: QueryConfig) {
    this.defaultTimeoutMs = config.QUERY_TIMEOUT_MS;
    this.pool = new Pool({
      connectionString: config.DATABASE_URL,
      max: config.QUERY_POOL_SIZE,
      statement_timeout: config.QUERY_TIMEOUT_MS,
      connectionTimeoutMillis: 5000,
    });
    this.pool.on('error', () => undefined); // an idle client lost its server; the pool replaces it
  }

  async open(sql: { text: string; values: unknown[] }, options: { timeoutMs: number; expectedRows?: number }): Promise<RowSource> {
    const client = await this.pool.connect();
    const custom = options.timeoutMs !== this.defaultTimeoutMs;
    let released = false;
    const release = (broken?: boolean) => {
      if (released) return;
      released = true;
      if (custom && !broken) {
        client.query('RESET statement_timeout').then(
          () => client.release(),
          (e: Error) => client.release(e),
        );
      } else client.release(broken ? new Error('abandoned') : undefined);
    };
    try {
      if (custom) await client.query(`SET statement_timeout = ${Math.floor(options.timeoutMs)}`);
      if (options.expectedRows !== undefined && options.expectedRows <= SMALL_RESULT) {
        const result = await client.query({ text: sql.text, values: sql.values, rowMode: 'array' });
        release();
        return { first: result.rows, rest: async function* () {}, close: () => undefined };
      }
      return await this.stream(client, sql, release);
    } catch (error) {
      release((error as { code?: string }).code !== QUERY_CANCELED);
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
    await this.pool.end();
  }
}
