import { sqlStateOf } from './sql-state';

/** PostgreSQL's SQLSTATE for a unique constraint or index refusing a row. */
export const UNIQUE_VIOLATION = '23505';

/**
 * A unique constraint refused the write (that one, when `constraint` names it), whether the error
 * came from node-postgres or wrapped by TypeORM (`driverError`).
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { constraint?: string; driverError?: { constraint?: string } };
  const name = e?.constraint ?? e?.driverError?.constraint;
  return sqlStateOf(error) === UNIQUE_VIOLATION && (!constraint || name === constraint);
}
