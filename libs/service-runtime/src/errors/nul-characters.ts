import { NUL_CHARACTER_MESSAGE as MESSAGE, type FieldError } from '@tollgate/contracts';

const MAX_REPORTED = 10;
const NUL = '\u0000';

/**
 * Where a parsed JSON body holds the NUL character, as field paths (`operations.0.rows.3.title`).
 * PostgreSQL stores no U+0000 in text or jsonb, so such a value could only fail deep inside a
 * service; it is refused at the door instead, naming where it is.
 */
export function nulCharacterErrors(value: unknown, path = '', found: FieldError[] = []): FieldError[] {
  if (found.length >= MAX_REPORTED) return found;
  if (typeof value === 'string') {
    if (value.includes(NUL)) found.push({ field: path || 'body', message: MESSAGE });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => nulCharacterErrors(item, path ? `${path}.${i}` : String(i), found));
  } else if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value)) {
    for (const [key, item] of Object.entries(value)) {
      const field = path ? `${path}.${key}` : key;
      if (key.includes(NUL)) found.push({ field: field.replaceAll(NUL, '\\u0000'), message: `field names ${MESSAGE}` });
      nulCharacterErrors(item, field, found);
    }
  }
  return found;
}

/** A URL whose path or query carries an escaped NUL (`%00`). */
export const urlHasNulCharacter = (url: string): boolean => url.includes('%00');

export const URL_NUL_ERROR: FieldError = { field: 'url', message: `${MESSAGE.replace('(\\u0000)', '(%00)')}` };
