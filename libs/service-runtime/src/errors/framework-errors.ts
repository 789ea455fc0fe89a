import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorCode, type ApiErrorBody } from '@tollgate/contracts';
import { REQUEST_ID_HEADER } from '../request-id';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * What Fastify's router answers by itself, before any route, hook or Nest filter runs: a path that
 * is not valid percent-encoded UTF-8 (`%ZZ`, `%C3%28`), or a path segment longer than any name the
 * platform gives out. Fastify's own answers have neither the API's shape nor a request id.
 */
export function routerErrorAnswer(code: string): { status: number; body: Omit<ApiErrorBody, 'requestId'> } {
  switch (code) {
    case 'FST_ERR_BAD_URL':
      return {
        status: 400,
        body: {
          status: 'error',
          code: ErrorCode.ValidationFailed,
          message: 'The URL path is not valid percent-encoded UTF-8',
          errors: [{ field: 'path', message: 'must be valid percent-encoded UTF-8' }],
        },
      };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      // Longer than any id or name that can exist, so it names nothing.
      return { status: 404, body: { status: 'error', code: ErrorCode.NotFound, message: 'Not found' } };
    default:
      return { status: 500, body: { status: 'error', code: ErrorCode.Internal, message: 'Internal error' } };
  }
}

/** Fastify's `frameworkErrors`: the router's refusals in the one error shape, with the request's id. */
export function answerRouterError(error: { code?: string }, request: { id: unknown }, reply: { raw: ServerResponse }): void {
  const { status, body } = routerErrorAnswer(String(error.code));
  const requestId = String(request.id);
  const text = JSON.stringify({ ...body, requestId });
  // The raw response: no route matched, so none of the reply's hooks would run anyway.
  reply.raw.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text), [REQUEST_ID_HEADER]: requestId });
  reply.raw.end(text);
}

/** A request Node's HTTP parser refused: there is no request object, only the connection. */
export function clientErrorAnswer(code: string | undefined): { status: number; body: ApiErrorBody } {
  const requestId = `req_${randomUUID()}`;
  const invalid = (status: number, message: string): { status: number; body: ApiErrorBody } => ({
    status,
    body: { status: 'error', code: ErrorCode.ValidationFailed, message, requestId },
  });
  if (code === 'HPE_HEADER_OVERFLOW') return invalid(431, 'The request line and headers are too large');
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return invalid(408, 'The request took too long to arrive');
  return invalid(400, 'Malformed HTTP request');
}

/**
 * Node's `clientError` (an oversized request line or headers, a malformed request): answers in the
 * API's shape, with a fresh request id, then closes the connection as Node itself would.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const { status, body } = clientErrorAnswer(error.code);
    const text = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        `Content-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
        `X-Request-Id: ${body.requestId}\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy(error);
}
