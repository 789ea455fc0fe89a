import type { Pool, PoolClient } from 'pg';

const guarded = new WeakSet<PoolClient>();

/**
 * Checks a client out of a node-postgres pool with an 'error' listener of its own. While a client
 * is checked out the pool does not listen for its errors, so a server that ends the connection
 * between two queries (a restart, pg_terminate_backend) makes the client emit 'error' unheard, and
 * that ends the process. With the listener, the loss shows as the next query's failure, which the
 * caller answers (503) and releases the client as broken. For code that uses a pool's clients
 * directly; TypeORM's query runners listen for themselves.
 */
export async function connectGuarded(pool: Pool): Promise<PoolClient> {
  const client = await pool.connect();
  if (!guarded.has(client)) {
    client.on('error', () => undefined);
    guarded.add(client);
  }
  return client;
}
