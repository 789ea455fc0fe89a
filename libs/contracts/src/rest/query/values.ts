import type { FieldError } from '../../api-error';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * A calendar day written YYYY-MM-DD that exists (no 2026-02-30), from 0001-01-01 (PostgreSQL has
 * no year 0) to 9999-12-31.
 */
export function isDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DATE.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1) return false;
  // setUTCFullYear, not Date.UTC, which reads the years 0-99 as 1900-1999.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** What a date-time must be, as a field error says it. */
export const DATETIME_MESSAGE = 'must be an ISO 8601 date-time with a time zone, from 0001-01-01 to 9999-12-31 in UTC';

/**
 * ISO 8601 with a time and a zone, normalised to UTC; undefined when it is not one, or when its
 * UTC falls outside the days isDate takes (`9999-12-31T23:30:00-01:00` is in the year 10000).
 */
export function parseDatetime(value: unknown): string | undefined {
  if (typeof value !== 'string' || !DATETIME.test(value) || !isDate(value.slice(0, 10))) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  const utc = new Date(ms).toISOString();
  return isDate(utc.slice(0, 10)) && utc.length === 24 ? utc : undefined;
}

/**
 * Names of entity types an instance does not have, as the field errors of `entities`: the query
 * service answers them, and the gateway (a query, or a data key's list) refuses them before charging.
 */
export const unknownEntityErrors = (names: readonly string[]): FieldError[] =>
  names.map((name) => ({ field: 'entities', message: `unknown entity ${name}` }));

/**
 * The `from` and `to` of a records query (inclusive days): each a real day, and not the wrong way
 * round. The REST query and the GraphQL arguments are judged by this one rule.
 */
export function dayRangeErrors(range: { from?: unknown; to?: unknown }): FieldError[] {
  const errors: FieldError[] = [];
  for (const name of ['from', 'to'] as const) {
    const value = range[name];
    if (value !== undefined && value !== null && !isDate(value)) errors.push({ field: name, message: `${name} must be a date YYYY-MM-DD` });
  }
  if (isDate(range.from) && isDate(range.to) && range.from > range.to) errors.push({ field: 'from', message: 'from must not be after to' });
  return errors;
}
