import type { FastifyRequest } from 'fastify';
import { isJsonMediaType, readUnparsedBody, withoutCredentialParameters } from '@tollgate/service-runtime';
import { callerOrigin } from '../conventions/caller-origin';

/** Credentials and hop-by-hop headers stay at the gateway; everything else reaches the flow as `headers`. */
const WITHHELD = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'cookie', 'host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade', 'expect', 'te', 'x-tollgate-principal', 'x-request-id']);

export function forwardedHeaders(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || WITHHELD.has(name) || name === 'content-type') continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  // A browser names the page that sent the request, with any key or token in its address.
  if (out.referer) out.referer = withoutCredentialParameters(out.referer);
  return out;
}

/**
 * The URL as the caller used it, with any key or webhook token in the query string masked (however
 * its parameter is spelt, as the request log masks them): the flow's `url` input, stored with the
 * run and passed to its steps, must not carry them.
 */
export function originalUrl(request: FastifyRequest): string {
  return `${callerOrigin(request)}${withoutCredentialParameters(request.url)}`;
}

/**
 * The body as the caller sent it. Bodies no parser claimed arrive untouched (the catch-all parser
 * keeps the bytes), text as text; JSON and form bodies were parsed for credential lookup and are
 * serialised again, whatever JSON value they hold (a JSON string too).
 */
export function rawBodyOf(request: FastifyRequest): { contentType: string; payload: Buffer | string } | undefined {
  const contentType = String(request.headers['content-type'] ?? '');
  const body = request.body as unknown;
  // No body, but a content type: the flow's `contentType` input is still the caller's.
  if (body === undefined) return contentType ? { contentType, payload: '' } : undefined;
  // A JSON `null` is a body like any other JSON value; a null otherwise means none was sent.
  if (body === null) return isJsonMediaType(contentType) ? { contentType, payload: 'null' } : undefined;
  if (Buffer.isBuffer(body)) return { contentType: contentType || 'application/octet-stream', payload: body };
  if (typeof body === 'string' && !isJsonMediaType(contentType)) return { contentType: contentType || 'text/plain', payload: body };
  if (/application\/x-www-form-urlencoded/i.test(contentType)) {
    const params = new URLSearchParams();
    // A key sent as its access_token was taken out by the credential guard; any other value is the caller's.
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
    }
    return { contentType, payload: params.toString() };
  }
  return { contentType: contentType || 'application/json', payload: JSON.stringify(body) };
}

/**
 * A GET trigger's body (seed 001: GET calls may carry data): Fastify parses no GET body, so it is
 * read here, within the body limit, and passed on untouched with its content type.
 */
export async function getBodyOf(request: FastifyRequest, limitBytes: number): Promise<{ contentType: string; payload: Buffer } | undefined> {
  const payload = await readUnparsedBody(request, limitBytes);
  const contentType = String(request.headers['content-type'] ?? '');
  if (!payload?.length) return contentType ? { contentType, payload: Buffer.alloc(0) } : undefined;
  return { contentType: contentType || 'application/octet-stream', payload };
}
