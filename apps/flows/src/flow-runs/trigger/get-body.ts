import type { FastifyRequest } from 'fastify';
import { ErrorCode } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\b/i;

/**
 * A GET trigger's body, as a POST's would arrive: Fastify parses no GET body, so it is read here
 * within the body limit; JSON is parsed, anything else stays bytes (see raw-body-parsers).
 */
export async function getBodyOf(request: FastifyRequest, limitBytes: number): Promise<unknown> {
  const { 'content-length': length, 'transfer-encoding': chunked } = request.headers;
  if (chunked === undefined && (length === undefined || length === '0')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.raw as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new ApiException(ErrorCode.PayloadTooLarge, `The body is larger than ${limitBytes} bytes`);
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  if (!bytes.length || !JSON_TYPE.test(String(request.headers['content-type'] ?? ''))) return bytes;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw ApiException.validation([{ field: 'body', message: 'Malformed JSON body' }], 'Malformed JSON body');
  }
}
