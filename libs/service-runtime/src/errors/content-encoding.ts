import { ErrorCode } from '@tollgate/contracts';
import { ApiException } from './api-exception';

/**
 * Refuses (415, RFC 9110 §15.5.16) a body in a content coding (gzip, br…): no service decodes one,
 * so its bytes would be read as text (a JSON body "not valid UTF-8", a flow handed garbage).
 */
export function assertNoContentCoding(headers: Record<string, string | string[] | undefined>): void {
  const coding = String(headers['content-encoding'] ?? '').trim().toLowerCase();
  if (!coding || coding === 'identity') return;
  throw new ApiException(ErrorCode.ValidationFailed, `The body must not be compressed (Content-Encoding: ${coding})`, {
    status: 415,
    errors: [{ field: 'Content-Encoding', message: `must be identity (${coding} is not taken): send the body uncompressed` }],
  });
}
