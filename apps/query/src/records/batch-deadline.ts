import type { DataSource, EntityManager } from 'typeorm';
import { ErrorCode } from '@tollgate/contracts';
import { sqlStateOf } from '@tollgate/event-sourcing';
import { ApiException } from '@tollgate/service-runtime';

/** PostgreSQL's SQLSTATE for a statement cancelled (by pg_cancel_backend or statement_timeout). */
const QUERY_CANCELED = '57014';

export function batchTimeout(timeoutMs: number): ApiException {
  return new ApiException(
    ErrorCode.Timeout,
    `The batch took longer than ${timeoutMs} ms and was rolled back: nothing was written. Send large batches with "async": true`,
  );
}

class DeadlinePassed extends Error {}

const wasCancelled = (error: unknown) => error instanceof DeadlinePassed || sqlStateOf(error) === QUERY_CANCELED;

/**
 * Runs `work` in the caller's transaction so that it cannot commit after `deadline` (epoch ms):
 * the statement running then is cancelled (a cancel that reaches the session between statements
 * does nothing, so the end of the work is checked too), and statement_timeout bounds each
 * statement should the cancel not get through (it waits for a connection of the pool like any
 * query). Either way the transaction rolls back and the caller hears a 504 `timeout` that says so.
 * The cancel names the transaction, not only the session: one that arrives late never stops what
 * the session runs for someone else once this transaction has ended.
 */
export async function beforeDeadline<T>(
  dataSource: DataSource,
  em: EntityManager,
  deadline: number,
  timeoutMs: number,
  work: (em: EntityManager) => Promise<T>,
): Promise<T> {
  const remaining = Math.floor(deadline - Date.now());
  if (remaining <= 0) throw batchTimeout(timeoutMs);
  const [{ pid, xid }]: { pid: number; xid: string }[] = await em.query(
    `SELECT pg_backend_pid() AS pid, pg_current_xact_id()::text AS xid, set_config('statement_timeout', $1, true)`,
    [String(remaining)],
  );
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    // backend_xid is the 32-bit xid; pg_current_xact_id() adds the epoch above it.
    void dataSource
      .query(
        `SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE pid = $1 AND backend_xid::text::bigint = $2::bigint % 4294967296`,
        [pid, xid],
      )
      .catch(() => undefined);
  }, remaining);
  try {
    const result = await work(em);
    if (expired) throw new DeadlinePassed();
    return result;
  } catch (error) {
    if (expired || wasCancelled(error)) throw batchTimeout(timeoutMs);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
