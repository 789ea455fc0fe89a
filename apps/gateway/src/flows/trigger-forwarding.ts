import type { FastifyRequest } from 'fastify';

/** Credentials and hop-by-hop headers stay at the gateway; everything else reaches the flow as `headers`. */
const WITHHELD = new Set(['authorization', 'x-api-key', 'cookie', 'host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade', 'expect', 'te', 'x-tollgate-principal', 'x-request-id']);
const SECRET_PARAMS = /([?&](?:key|access_token)=)[^&]*/gi;

export function forwardedHeaders(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || WITHHELD.has(name) || name === 'content-type') continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** The URL as the caller used it, with any key in the query string masked. */
export function originalUrl(request: FastifyRequest): string {
  const proto = String(request.headers['x-forwarded-proto'] ?? request.protocol ?? 'http').split(',')[0];
  return `${proto}://${request.headers.host ?? 'localhost'}${request.url.replace(SECRET_PARAMS, '$1[redacted]')}`;
}

/**
 * The body as the caller sent it. Non-JSON bodies arrive untouched (the catch-all parser keeps the
 * bytes); JSON and form bodies were parsed for credential lookup and are serialised again.
 */
export function rawBodyOf(request: FastifyRequest): { contentType: string; payload: Buffer | string } | undefined {
  const contentType = String(request.headers['content-type'] ?? '');
  const body = request.body as unknown;
  if (body === undefined || body === null) return undefined;
  if (Buffer.isBuffer(body) || typeof body === 'string') return { contentType: contentType || 'application/octet-stream', payload: body };
  if (/application\/x-www-form-urlencoded/i.test(contentType)) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      if (k === 'access_token') continue;
      for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
    }
    return { contentType, payload: params.toString() };
  }
  return { contentType: contentType || 'application/json', payload: JSON.stringify(body) };
}
