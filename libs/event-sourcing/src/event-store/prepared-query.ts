import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

const names = new Map<string, string>();

/** A statement's name on every connection: derived from its text, so two texts never share one. */
function statementName(text: string): string {
  let name = names.get(text);
  if (!name) names.set(text, (name = `tg_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`));
  return name;
}

/**
 * Runs `text` as a named prepared statement: PostgreSQL parses and plans it once per connection
 * instead of at every call, which for the short statements of a command or a lookup costs more
 * than running them. Given an EntityManager inside a transaction, it runs on that transaction's
 * connection; given a DataSource (or a manager outside a transaction), on a connection of the
 * pool. Only for texts that never vary (values go in `values`): each distinct text stays prepared
 * on every connection that ran it.
 */
export async function queryPrepared<T>(db: EntityManager | DataSource, text: string, values: unknown[]): Promise<T[]> {
  const config = { name: statementName(text), text, values };
  const runner = 'queryRunner' in db ? db.queryRunner : undefined;
  if (runner && !runner.isReleased) {
    const client = (await runner.connect()) as PoolClient;
    return (await client.query(config)).rows as T[];
  }
  const dataSource = 'driver' in db ? db : db.connection;
  return (await (dataSource.driver as PostgresDriver).master.query(config)).rows as T[];
}
