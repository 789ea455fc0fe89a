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

const SENT_AS_FORM = Symbol('sent as a form');

/**
 * A form body's fields (see formFields), marked as a form, and as JSON text sent as a form when it
 * starts as JSON does (no form's first field is named `{` or `[`).
 */
export function formBody(body: Buffer | string): ParsedUrlQuery {
  const text = body.toString();
  return Object.defineProperty(formFields(text), SENT_AS_FORM, { value: /^\s*[[{]/.test(text) ? 'json' : 'form' });
}

const sentAsForm = (value: unknown): unknown => (typeof value === 'object' && value !== null ? (value as Record<symbol, unknown>)[SENT_AS_FORM] : undefined);

/** Whether a parsed body came as an HTML form (`application/x-www-form-urlencoded`). */
export const isFormBody = (value: unknown): boolean => sentAsForm(value) !== undefined;

/** Whether a parsed body came as a form but holds JSON text: a client that forgot the content type. */
export const isJsonSentAsForm = (value: unknown): boolean => sentAsForm(value) === 'json';

/**
 * What a route that takes JSON says of a form: `curl -d '{"a":1}'` sends its JSON as a form unless
 * given the content type, and the form's one field, named after the whole text, would otherwise be
 * "unknown field {"a":1}" beside every required field reported missing.
 */
export function formBodyRefused(): ApiException {
  return ApiException.validation(
    [{ field: 'body', message: 'must be JSON, sent with Content-Type: application/json; it came as a form (application/x-www-form-urlencoded), which curl -d sends unless told otherwise' }],
    'The body must be JSON',
  );
}

/** `application/json` and the JSON-based types (`application/cloudevents+json`, `application/vnd.api+json`, …), with or without parameters. */
const JSON_MEDIA_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

export function isJsonMediaType(contentType: string): boolean {
  return JSON_MEDIA_TYPE.test(contentType);
}
