import { TextDecoder } from 'node:util';
import type { FastifyRequest } from 'fastify';
import { PRINCIPAL_HEADER } from '@tollgate/auth';
import { withoutCredentialParameters } from '@tollgate/service-runtime';
import type { FlowInput } from '../run-message';

export const ORIGINAL_URL_HEADER = 'x-tollgate-original-url';
const HIDDEN = new Set([PRINCIPAL_HEADER, ORIGINAL_URL_HEADER, 'authorization', 'proxy-authorization', 'x-api-key', 'cookie', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);


/** `charset=` of a content type, quoted or not. */
const CHARSET = /;\s*charset\s*=\s*"?([\w.:-]+)"?/i;

/**
 * Bytes as text in the charset the content type names (a legacy system's `ISO-8859-1` XML, say);
 * UTF-8 when it names none or one no decoder knows, with U+FFFD for what is not. Labels mean what
 * they mean to browsers (the WHATWG Encoding Standard): `iso-8859-1`, `latin1` and `us-ascii` are
 * read as windows-1252, whose bytes 0x80-0x9F are `€`, curly quotes, dashes… (the text a sender
 * labelled Latin-1 almost always is), not invisible control characters.
 */
export function textOf(bytes: Buffer, contentType: string): string {
  const label = CHARSET.exec(contentType)?.[1] ?? 'utf-8';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label);
  } catch {
    return bytes.toString('utf8');
  }
  if (decoder.encoding !== 'windows-1252') return decoder.decode(bytes);
  // Node since 20.18.3 and 22.13 reads windows-1252 as ISO-8859-1 in a one-shot decode (nodejs/node#60888);
  // a streamed decode goes through ICU's converter, which has the real table (checked byte by byte
  // in flow-input.unit.spec.ts).
  return decoder.decode(bytes, { stream: true }) + decoder.decode();
}

/** The flow's fixed inputs: body (parsed when JSON), headers, contentType and the URL the caller used. */
export function flowInputOf(request: FastifyRequest, raw: unknown = request.body): FlowInput {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || HIDDEN.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  // JSON arrives parsed; any other content type as bytes (see raw-body-parsers and get-body).
  const contentType = String(request.headers['content-type'] ?? '');
  let body: unknown = raw ?? null;
  if (Buffer.isBuffer(raw)) body = raw.length ? textOf(raw, contentType) : null;
  const original = request.headers[ORIGINAL_URL_HEADER];
  // The gateway masked the credentials already; masking again changes nothing and covers a URL
  // that came another way.
  const url = withoutCredentialParameters(typeof original === 'string' && original ? original : request.url);
  // The caller's Host, not this service's internal address the gateway called.
  const callerHost = URL.canParse(url) ? new URL(url).host : undefined;
  if (callerHost) headers.host = callerHost;
  // The page that sent the request, as the gateway masked it (again: it may have come another way).
  if (headers.referer) headers.referer = withoutCredentialParameters(headers.referer);
  return { body, headers, contentType, url };
}
