import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The client's X-Request-Id when it is a sane token, else a new one. Written back onto the raw
 * request so the HTTP logger and the reply hook see the same id.
 */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  const id = typeof given === 'string' && ACCEPTABLE.test(given) ? given : `req_${randomUUID()}`;
  req.headers[REQUEST_ID_HEADER] = id;
  return id;
}
