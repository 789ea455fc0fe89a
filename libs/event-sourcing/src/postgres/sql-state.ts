/** PostgreSQL's SQLSTATE of an error from node-postgres, or wrapped by TypeORM (`driverError`). */
export function sqlStateOf(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | undefined;
  const code = e?.code ?? e?.driverError?.code;
  return typeof code === 'string' && code.length === 5 ? code : undefined;
}

/**
 * PostgreSQL refused a value as data (SQLSTATE class 22: a NUL in a text, a date that does not
 * exist, a number out of range). The same values are refused however often they are sent again.
 */
export const isDataException = (error: unknown): boolean => sqlStateOf(error)?.startsWith('22') ?? false;

/**
 * The statement failed for the moment's reasons, not its own: a deadlock or serialization
 * conflict (class 40), a lost or refused connection (class 08, a terminated backend, a server
 * shutting down or starting: 57P01-57P03), or no resources (class 53). The same work may succeed
 * when tried again.
 */
export function isTransientDatabaseFailure(error: unknown): boolean {
  const state = sqlStateOf(error);
  if (state) return /^(40|08|53)|^57P0[123]$/.test(state);
  // node-postgres's own errors when the connection goes away carry no SQLSTATE.
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|ECONNRESET|ECONNREFUSED|timeout exceeded when trying to connect/.test(message);
}
