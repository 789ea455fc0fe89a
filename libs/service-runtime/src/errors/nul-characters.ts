import { NUL_CHARACTER_MESSAGE as MESSAGE, type FieldError } from '@tollgate/contracts';

const MAX_REPORTED = 10;
const NUL = '\u0000';
/** Half of a surrogate pair without its other half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
export const LONE_SURROGATE_MESSAGE = 'must be valid Unicode text, not half of a surrogate pair (a lone surrogate such as \\ud83d)';

/** What PostgreSQL cannot store of a string, or undefined. */
function unstorable(text: string): string | undefined {
  if (text.includes(NUL)) return MESSAGE;
  // JSON may escape half of a surrogate pair ("\ud83d"); no UTF-8 text holds it, and jsonb refuses it.
  if (text.search(LONE_SURROGATE) !== -1) return LONE_SURROGATE_MESSAGE;
  return undefined;
}

/**
 * Where a parsed JSON body holds text PostgreSQL cannot store, as field paths
 * (`operations.0.rows.3.title`): the NUL character, which text and jsonb refuse, and a lone
 * surrogate, which is no character at all. Such a value could only fail deep inside a service (an
 * internal error, once charged and refunded); it is refused at the door instead, naming where it is.
 */
export function unstorableTextErrors(value: unknown, path = '', found: FieldError[] = []): FieldError[] {
  if (found.length >= MAX_REPORTED) return found;
  if (typeof value === 'string') {
    const message = unstorable(value);
    if (message) found.push({ field: path || 'body', message });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => unstorableTextErrors(item, path ? `${path}.${i}` : String(i), found));
  } else if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value)) {
    for (const [key, item] of Object.entries(value)) {
      const field = path ? `${path}.${key}` : key;
      const message = unstorable(key);
      if (message) found.push({ field: field.replaceAll(NUL, '\\u0000').replace(LONE_SURROGATE, '\ufffd'), message: `field names ${message}` });
      unstorableTextErrors(item, field, found);
    }
  }
  return found;
}

/** A URL whose path or query carries an escaped NUL (`%00`). */
export const urlHasNulCharacter = (url: string): boolean => url.includes('%00');

export const URL_NUL_ERROR: FieldError = { field: 'url', message: `${MESSAGE.replace('(\\u0000)', '(%00)')}` };
