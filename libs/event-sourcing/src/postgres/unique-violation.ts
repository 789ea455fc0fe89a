/** PostgreSQL's SQLSTATE for a unique constraint or index refusing a row. */
export const UNIQUE_VIOLATION = '23505';

/**
 * A unique constraint refused the write (that one, when `constraint` names it), whether the error
 * came from node-postgres or wrapped by TypeORM (`driverError`).
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const code = e?.code ?? e?.driverError?.code;
  const name = e?.constraint ?? e?.driverError?.constraint;
  return code === UNIQUE_VIOLATION && (!constraint || name === constraint);
}
