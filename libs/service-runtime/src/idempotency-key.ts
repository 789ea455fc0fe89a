import { ApiException } from './errors/api-exception';

/**
 * The `Idempotency-Key` header of a call that may be sent again (a flow trigger, a batch): 1 to
 * 200 visible ASCII characters, else 400 naming it; undefined when none was sent.
 */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header.join(', ') : header;
  if (!/^[\x21-\x7e]{1,200}$/.test(key)) {
    throw ApiException.validation([{ field: 'Idempotency-Key', message: 'must be 1-200 visible ASCII characters' }]);
  }
  return key;
}
