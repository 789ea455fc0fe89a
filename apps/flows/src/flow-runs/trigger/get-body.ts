import type { FastifyRequest } from 'fastify';
import { ApiException, readUnparsedBody } from '@tollgate/service-runtime';

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\b/i;

/**
 * A GET trigger's body, as a POST's would arrive: Fastify parses no GET body, so it is read here
 * within the body limit; JSON is parsed, anything else stays bytes (see raw-body-parsers).
 */
export async function getBodyOf(request: FastifyRequest, limitBytes: number): Promise<unknown> {
  const bytes = await readUnparsedBody(request, limitBytes);
  if (bytes === undefined) return undefined;
  if (!bytes.length || !JSON_TYPE.test(String(request.headers['content-type'] ?? ''))) return bytes;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw ApiException.validation([{ field: 'body', message: 'Malformed JSON body' }], 'Malformed JSON body');
  }
}
