import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** How much of a body left unread by its answer a service still reads, and for how long. */
interface UnreadBodyBounds {
  maxBytes: number;
  maxMs: number;
}

const REFUSED_BEFORE_SENT = Symbol('body refused before it was sent');
const UNMET_EXPECTATION = Symbol('an Expect other than 100-continue');
const AWAITING_CONTINUE = Symbol('asked before sending, not yet told to go on');
type AskedFirst = IncomingMessage & { [REFUSED_BEFORE_SENT]?: true; [UNMET_EXPECTATION]?: true; [AWAITING_CONTINUE]?: true };

/**
 * Tells a client that asked before sending its body to go on only once the body is read (its first
 * `data` or `readable` listener): a request answered before that (no route takes it, a key refused
 * before the body is read) is answered without the body ever being sent.
 */
function continueWhenRead(request: AskedFirst, response: ServerResponse): void {
  request[AWAITING_CONTINUE] = true;
  const onListener = (event: string | symbol) => {
    if (event !== 'data' && event !== 'readable') return;
    request.off('newListener', onListener);
    if (!request[AWAITING_CONTINUE]) return;
    delete request[AWAITING_CONTINUE];
    if (!response.headersSent) response.writeContinue();
  };
  request.on('newListener', onListener);
}

/**
 * The expectation a request named that no service meets (`Expect:` other than `100-continue`),
 * else undefined. Node would answer such a request itself, a bare 417 without the error shape or
 * a request id; it is passed on to be answered 417 like any other refusal (see createService).
 */
export const unmetExpectation = (request: IncomingMessage): string | undefined =>
  (request as AskedFirst)[UNMET_EXPECTATION] ? String(request.headers.expect) : undefined;

/**
 * A request answered before its body was all received: a body over the limit (413), of a type no
 * parser takes (415), a credential refused before the body is read (401). The client is usually
 * still sending. Fastify marks a 413 `Connection: close`, and Node then closes the socket as
 * soon as the answer is written: the client's next write fails (EPIPE, a reset), and most clients
 * (fetch, Java's) report that instead of the answer they were sent. Without that header, Node reads
 * and discards the rest, however much the client sends.
 *
 * Here the rest is read and discarded for up to 4 times the body limit more, within 30 s of the
 * answer (as a web server's lingering close): a client finishes sending, reads its answer, and may
 * send its next request on the same connection. Past either bound the connection is closed, long
 * after the answer was written, so a service never reads an unbounded amount for a request it
 * answered.
 *
 * A client that asks before sending its body (`Expect: 100-continue`: curl does for a body over
 * 1 MiB, Java's and Go's clients can) and announces one over the limit is told 413 at once and
 * never sends it, whatever its size; the others are told to go on when the body is read, so one
 * answered before that (404, a refused key) never sends it either.
 */
export function boundUnreadBodies(app: NestFastifyApplication, bodyLimitBytes: number): void {
  const bounds: UnreadBodyBounds = { maxBytes: 4 * bodyLimitBytes, maxMs: 30_000 };
  const fastify = app.getHttpAdapter().getInstance();
  fastify.server.on('checkContinue', (request: AskedFirst, response: ServerResponse) => {
    if (Number(request.headers['content-length']) > bodyLimitBytes) request[REFUSED_BEFORE_SENT] = true;
    else continueWhenRead(request, response);
    fastify.server.emit('request', request, response);
  });
  fastify.server.on('checkExpectation', (request: AskedFirst, response: ServerResponse) => {
    // Refused before its body is sent, as a 100-continue over the limit is.
    request[UNMET_EXPECTATION] = true;
    request[REFUSED_BEFORE_SENT] = true;
    fastify.server.emit('request', request, response);
  });
  fastify.addHook('onSend', async (request, reply, payload) => {
    // Its client waits for our word before sending the body, and now never will: nothing to read.
    const raw = request.raw as AskedFirst;
    if (raw[AWAITING_CONTINUE]) raw[REFUSED_BEFORE_SENT] = true;
    if (raw[REFUSED_BEFORE_SENT]) {
      void reply.header('connection', 'close');
      return payload;
    }
    if (reply.statusCode === 413 && /^close$/i.test(String(reply.getHeader('connection') ?? ''))) reply.removeHeader('connection');
    // Before the answer is written: Node would then throw away the rest of a body nobody reads without
    // passing it on (nothing to count), and read all of it.
    if (!request.raw.complete) discardWithin(request.raw, bounds);
    return payload;
  });
}

/** Reads and throws away what is left of `body`; past either bound, closes its connection. */
function discardWithin(body: IncomingMessage, bounds: UnreadBodyBounds): void {
  const socket = body.socket;
  if (!socket || socket.destroyed) return;
  let left = bounds.maxBytes;
  const stop = () => {
    clearTimeout(timer);
    body.off('data', count).off('end', stop);
    socket.off('close', stop);
  };
  const cut = () => {
    stop();
    socket.destroy();
  };
  const count = (chunk: Buffer) => {
    left -= chunk.length;
    if (left < 0) cut();
  };
  const timer = setTimeout(cut, bounds.maxMs);
  timer.unref();
  body.on('data', count).once('end', stop);
  socket.once('close', stop);
  body.resume();
}
