import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/** Requests whose id the client chose: such an id says where a request came from, not that it is unique. */
const chosenByClient = new WeakSet<IncomingMessage>();

/**
 * The client's X-Request-Id when it is a sane token, else a new one. Written back onto the raw
 * request so the HTTP logger and the reply hook see the same id.
 */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  if (typeof given === 'string' && ACCEPTABLE.test(given)) {
    chosenByClient.add(req);
    return given;
  }
  const id = `req_${randomUUID()}`;
  req.headers[REQUEST_ID_HEADER] = id;
  return id;
}

/**
 * True when the request's id is the client's own X-Request-Id. Anything keyed by it (a charge, say)
 * must not treat two requests with the same id as one: a client may send the same id every time.
 */
export function requestIdChosenByClient(req: IncomingMessage): boolean {
  return chosenByClient.has(req);
}
