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
