/** PostgreSQL stores no U+0000 in text or jsonb: a value holding it is refused with this message. */
export const NUL_CHARACTER_MESSAGE = 'must not contain the NUL character (\\u0000)';

/** Whether a string anywhere in `value` (a JSON value's keys too) holds U+0000. */
export function holdsNulCharacter(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNulCharacter);
  if (typeof value === 'object' && value !== null) return Object.entries(value).some(([k, v]) => k.includes('\u0000') || holdsNulCharacter(v));
  return false;
}
