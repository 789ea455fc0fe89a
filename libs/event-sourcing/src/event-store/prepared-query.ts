import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * The names statements are prepared under, derived from their text alone: the same text has the
 * same name in every process and on every connection, two texts never share one. With a cap, texts
 * beyond it get no name (they run unnamed, parsed and planned at every call) while the named ones
 * keep theirs.
 */
export class StatementNames {
  private readonly names = new Map<string, string>();

  constructor(
    private readonly prefix: string,
    private readonly cap = Infinity,
  ) {}

  nameOf(text: string): string | undefined {
    const known = this.names.get(text);
    if (known !== undefined || this.names.size >= this.cap) return known;
    const name = `${this.prefix}_${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`;
    this.names.set(text, name);
    return name;
  }
}

const names = new StatementNames('tg');

/**
 * Runs `text` as a named prepared statement: PostgreSQL parses and plans it once per connection
 * instead of at every call, which for the short statements of a command or a lookup costs more
 * than running them. Given an EntityManager inside a transaction, it runs on that transaction's
 * connection; given a DataSource (or a manager outside a transaction), on a connection of the
 * pool. Only for texts that never vary (values go in `values`): each distinct text stays prepared
 * on every connection that ran it.
 */
export async function queryPrepared<T>(db: EntityManager | DataSource, text: string, values: unknown[]): Promise<T[]> {
  const config = { name: names.nameOf(text), text, values };
  const runner = 'queryRunner' in db ? db.queryRunner : undefined;
  if (runner && !runner.isReleased) {
    const client = (await runner.connect()) as PoolClient;
    return (await client.query(config)).rows as T[];
  }
  const dataSource = 'driver' in db ? db : db.connection;
  return (await (dataSource.driver as PostgresDriver).master.query(config)).rows as T[];
}
