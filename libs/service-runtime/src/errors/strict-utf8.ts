import type { FieldError } from '@tollgate/contracts';
import { ApiException } from './api-exception';

export const INVALID_UTF8_ERROR: FieldError = { field: 'body', message: 'must be JSON encoded as UTF-8 (RFC 8259)' };

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A JSON body's text. Fastify decodes bodies as UTF-8 with replacement, so bytes of another
 * encoding (`café` sent as Latin-1) reached the records as U+FFFD without a word; they are a 400.
 */
export function jsonBodyText(body: Buffer): string {
  try {
    return UTF8.decode(body);
  } catch {
    throw ApiException.validation([INVALID_UTF8_ERROR], 'The body is not valid UTF-8');
  }
}
