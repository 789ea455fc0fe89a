import type { FieldError } from '@tollgate/contracts';

const MAX_REPORTED = 10;

/**
 * Where a parsed JSON body holds a number too large for a double (`1e400` parses as Infinity),
 * as field paths. Forwarded, it would be written again as `null` and stored as if the client had
 * sent no value; it is refused instead, naming where it is.
 */
export function nonFiniteNumberErrors(value: unknown, path: string, found: FieldError[] = []): FieldError[] {
  if (found.length >= MAX_REPORTED) return found;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) found.push({ field: path, message: 'must be a number a double can hold' });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => nonFiniteNumberErrors(item, `${path}.${i}`, found));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) nonFiniteNumberErrors(item, `${path}.${key}`, found);
  }
  return found;
}
