import { parse as parseForm, type ParsedUrlQuery } from 'node:querystring';
import type { FastifyRequest } from 'fastify';
import { ErrorCode } from '@tollgate/contracts';
import { ApiException } from './errors/api-exception';

/**
 * The bytes of a body Fastify leaves unread (a GET's), read within `limitBytes` (413 beyond);
 * undefined when the request announces none (no length, no chunked transfer, or a length of 0).
 */
export async function readUnparsedBody(request: FastifyRequest, limitBytes: number): Promise<Buffer | undefined> {
  const { 'content-length': length, 'transfer-encoding': chunked } = request.headers;
  if (chunked === undefined && (length === undefined || length === '0')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.raw as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new ApiException(ErrorCode.PayloadTooLarge, `The body is larger than ${limitBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** An HTML form body's fields, every one of them (Node's parser would keep the first 1,000 only): the body limit bounds them. */
export function formFields(body: Buffer | string): ParsedUrlQuery {
  return parseForm(body.toString(), undefined, undefined, { maxKeys: 0 });
}

/** `application/json` and the JSON-based types (`application/cloudevents+json`, `application/vnd.api+json`, …), with or without parameters. */
const JSON_MEDIA_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

export function isJsonMediaType(contentType: string): boolean {
  return JSON_MEDIA_TYPE.test(contentType);
}
