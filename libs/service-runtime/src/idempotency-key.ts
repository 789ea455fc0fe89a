import { createHash } from 'node:crypto';
import stableStringify from 'safe-stable-stringify';
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

/**
 * What a call sent under an Idempotency-Key stands for, to tell a retry from another call: a
 * SHA-256 (base64url) of the value as JSON with every object's keys sorted, so the same body
 * serialised in another key order is the same call. Arrays keep their order: it means something.
 */
export function stableDigest(value: unknown): string {
  return createHash('sha256')
    .update(stableStringify(value) ?? '')
    .digest('base64url');
}
