import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** How much of a body left unread by its answer a service still reads, and for how long. */
export interface UnreadBodyBounds {
  maxBytes: number;
  maxMs: number;
}

/** A body refused at the limit is read on for up to 4 times the limit more, within 30 s (as a web server's lingering close). */
export const unreadBodyBoundsFor = (bodyLimitBytes: number): UnreadBodyBounds => ({ maxBytes: 4 * bodyLimitBytes, maxMs: 30_000 });

/** The refusals Fastify gives before reading a body (over the limit, a type no parser takes), marking them `Connection: close`. */
const REFUSED_UNREAD = new Set([413, 415]);

/**
 * A request answered before its body was all received: a body over the limit (413), of a type no
 * parser takes (415), a credential refused before the body is read (401). The client is usually
 * still sending. Fastify marks the first two `Connection: close`, and Node then closes the socket as
 * soon as the answer is written: the client's next write fails (EPIPE, a reset), and most clients
 * (fetch, Java's) report that instead of the answer they were sent. Without that header, Node reads
 * and discards the rest, however much the client sends.
 *
 * Here the rest is read and discarded up to `maxBytes` and `maxMs`: a client finishes sending, reads
 * its answer, and may send its next request on the same connection. Past either bound the
 * connection is closed, long after the answer was written, so the service never reads an unbounded
 * amount for a request it refused.
 */
export function boundUnreadBodies(app: NestFastifyApplication, bounds: UnreadBodyBounds): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (REFUSED_UNREAD.has(reply.statusCode) && /^close$/i.test(String(reply.getHeader('connection') ?? ''))) {
      reply.removeHeader('connection');
    }
    return payload;
  });
  fastify.addHook('onResponse', async (request) => {
    const body = request.raw;
    const socket = body.socket;
    if (body.complete || !socket || socket.destroyed) return;
    let left = bounds.maxBytes;
    const stop = () => {
      clearTimeout(timer);
      body.off('data', count);
      body.off('end', stop);
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
    body.on('data', count);
    body.once('end', stop);
    socket.once('close', stop);
    body.resume();
  });
}
