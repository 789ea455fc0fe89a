import { z } from 'zod';
import { databaseServiceSchema, port } from '@tollgate/config';

const positiveInt = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

export const queryConfigSchema = databaseServiceSchema.extend({
  PORT: port(8083),
  /** A query statement running longer is cancelled in the database and answered 504. */
  QUERY_TIMEOUT_MS: positiveInt(25_000),
  /** Connections for reads answered in one round trip (limits up to 1,000, GraphQL, aggregates). */
  QUERY_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /**
   * Connections for streamed reads (exports through a cursor), apart from QUERY_POOL_SIZE: a
   * cursor holds its connection for the whole download, so slow downloads never take the
   * connections small reads need. Also the most streams this process serves at once.
   */
  QUERY_STREAM_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(6),
  /**
   * How long a read waits for a connection of its pool when every one is busy; then it is
   * answered 503 `unavailable` with Retry-After, and the gateway refunds it.
   */
  QUERY_POOL_WAIT_MS: positiveInt(5_000),
  /**
   * Reads answered in one round trip that one instance may have under way at once in this process
   * (of QUERY_POOL_SIZE): more of them wait for the instance's own to end, so that other instances'
   * reads find the rest of the pool. One that waits longer than QUERY_POOL_WAIT_MS is answered 503.
   * Unset: all but two of the pool (at least one), so that one busy instance keeps nearly the whole
   * pool's throughput while two connections stay for the others.
   */
  QUERY_READS_PER_INSTANCE: z.coerce.number().int().min(1).max(200).optional(),
  /** Streams one instance may have open at once in this process; beyond it: 429 with Retry-After. */
  QUERY_STREAMS_PER_INSTANCE: z.coerce.number().int().min(1).max(200).default(2),
  /** A stream whose client has read nothing for this long is ended, and its cursor closed. */
  QUERY_STREAM_STALL_MS: positiveInt(30_000),
  /** Largest request body accepted (batch ingest); beyond it: 413. */
  BATCH_MAX_BYTES: positiveInt(10 * 1024 * 1024),
  /** Most rows one batch call may carry, all operations together; beyond it: 413. */
  BATCH_MAX_ROWS: positiveInt(50_000),
  /**
   * A sync batch (without `async: true`) still running after this long is cancelled and rolled
   * back, answered 504 `timeout`. Keep it below the gateway's DOWNSTREAM_TIMEOUT_MS (30 s), or the
   * client hears the gateway's 504 about a call that may commit after it.
   */
  BATCH_SYNC_TIMEOUT_MS: positiveInt(25_000),
  /** How often pending batch tasks nobody is working on are picked up again. */
  TASK_SWEEP_MS: positiveInt(30_000),
  /** Finished batch tasks (their status and result) are forgotten this many days after they ended. */
  TASK_RETENTION_DAYS: positiveInt(30),
});

export type QueryConfig = z.infer<typeof queryConfigSchema>;
export const QUERY_CONFIG = Symbol('QUERY_CONFIG');
