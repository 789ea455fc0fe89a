import type { FastifyRequest } from 'fastify';
import { PRINCIPAL_HEADER } from '@tollgate/auth';
import type { FlowInput } from '../run-message';

export const ORIGINAL_URL_HEADER = 'x-tollgate-original-url';
const HIDDEN = new Set([PRINCIPAL_HEADER, ORIGINAL_URL_HEADER, 'authorization', 'x-api-key', 'cookie', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);


/** The flow's fixed inputs: body (parsed when JSON), headers, contentType and the URL the caller used. */
export function flowInputOf(request: FastifyRequest, raw: unknown = request.body): FlowInput {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || HIDDEN.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  // JSON arrives parsed; any other content type as bytes (see raw-body-parsers and get-body).
  let body: unknown = raw ?? null;
  if (Buffer.isBuffer(raw)) body = raw.length ? raw.toString('utf8') : null;
  const original = request.headers[ORIGINAL_URL_HEADER];
  const url = typeof original === 'string' && original ? original : request.url;
  // The caller's Host, not this service's internal address the gateway called.
  const callerHost = URL.canParse(url) ? new URL(url).host : undefined;
  if (callerHost) headers.host = callerHost;
  return { body, headers, contentType: String(request.headers['content-type'] ?? ''), url };
}
