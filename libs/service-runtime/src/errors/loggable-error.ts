/**
 * Fields of a database error that quote the data it was given: the query's `parameters` (TypeORM's
 * QueryFailedError), and PostgreSQL's `detail` (`Key (email)=(…) already exists`, `Failing row
 * contains (…)`) and `where` (`COPY notes, line 1, column body: "…"`). Customer data, and possibly
 * secrets, that a log must not hold.
 */
const DATA_FIELDS = new Set<PropertyKey>(['parameters', 'detail', 'where']);

const isErrorLike = (value: unknown): value is object =>
  typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';

/**
 * The error as a log line may hold it: what failed (type, message, code, constraint, table, the SQL
 * text with its `$1` placeholders, stack), without the values it failed on. A copy of the same
 * class, so the logger serializes it as it would the error; nested errors (a QueryFailedError's
 * `driverError`, a `cause`) are copied the same way. Log `{ err: loggableError(error) }`.
 */
export function loggableError(error: unknown, copies = new Map<object, object>()): unknown {
  if (Array.isArray(error)) return error.map((item) => loggableError(item, copies));
  if (!isErrorLike(error)) return error;
  const known = copies.get(error);
  if (known) return known;
  const copy = Object.create(Object.getPrototypeOf(error)) as object;
  copies.set(error, copy);
  for (const key of Reflect.ownKeys(error)) {
    if (DATA_FIELDS.has(key)) continue;
    // Read through any accessor (a `stack` getter works only on the error it belongs to), keeping
    // whether the field is enumerable: the logger writes what a for…in sees, plus message and stack.
    const { enumerable } = Object.getOwnPropertyDescriptor(error, key)!;
    const value = loggableError((error as Record<PropertyKey, unknown>)[key], copies);
    Object.defineProperty(copy, key, { value, enumerable, writable: true, configurable: true });
  }
  return copy;
}
