import { parse as parseForm, type ParsedUrlQuery } from 'node:querystring';
import type { FastifyRequest } from 'fastify';
import { ErrorCode } from '@tollgate/contracts';
import { ApiException } from './errors/api-exception';

/**
 * The bytes of a body Fastify leaves unread (a GET's), read within `limitBytes` (413 beyond);
 * undefined when the request announces none (no length, no chunked transfer, or a length of 0).
 * Past the limit, reading stops but the request is left open (iterating it would destroy it, and
 * its connection, under a client still sending): the answer goes out, and the rest is read within
 * the service's bounds for unread bodies.
 */
export function readUnparsedBody(request: FastifyRequest, limitBytes: number): Promise<Buffer | undefined> {
  const { 'content-length': length, 'transfer-encoding': chunked } = request.headers;
  if (chunked === undefined && (length === undefined || length === '0')) return Promise.resolve(undefined);
  // Said at once, so a client that waits for our word before sending its body is not kept waiting.
  if (Number(length) > limitBytes) return Promise.reject(tooLarge(limitBytes));
  const body = request.raw;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (error?: Error) => {
      body.off('data', take).off('end', settle).off('error', settle).off('close', cut);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks));
    };
    const take = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) settle(tooLarge(limitBytes));
      else chunks.push(chunk);
    };
    // A request whose connection went before its body ended, with no error said.
    const cut = () => settle(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    if (body.destroyed) {
      cut();
      return;
    }
    body.on('data', take).once('end', settle).once('error', settle).once('close', cut);
  });
}

const tooLarge = (limitBytes: number) => new ApiException(ErrorCode.PayloadTooLarge, `The body is larger than ${limitBytes} bytes`);

/** An HTML form body's fields, every one of them (Node's parser would keep the first 1,000 only): the body limit bounds them. */
export function formFields(body: Buffer | string): ParsedUrlQuery {
  return parseForm(body.toString(), undefined, undefined, { maxKeys: 0 });
}

/** `application/json` and the JSON-based types (`application/cloudevents+json`, `application/vnd.api+json`, …), with or without parameters. */
const JSON_MEDIA_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

export function isJsonMediaType(contentType: string): boolean {
  return JSON_MEDIA_TYPE.test(contentType);
}
