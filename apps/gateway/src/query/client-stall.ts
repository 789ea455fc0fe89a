import type { ServerResponse } from 'node:http';

/**
 * Hangs up on a client that has accepted no bytes of its answer for `limitMs`: its buffers are
 * full and it reads nothing. The hang-up counts as the client leaving (a streamed answer stays
 * charged), and it comes before the query service's own stall limit ends the stream from behind,
 * which would look like the service breaking off (refunded). A client that reads slowly but reads
 * drains now and then, and is never cut.
 */
export function hangUpOnStalledClient(res: ServerResponse, limitMs: number): void {
  let blockedSince: number | undefined;
  const onDrain = () => (blockedSince = undefined);
  const timer = setInterval(
    () => {
      if (!res.writableNeedDrain) return void (blockedSince = undefined);
      blockedSince ??= Date.now();
      if (Date.now() - blockedSince >= limitMs) res.destroy();
    },
    Math.max(50, Math.floor(limitMs / 10)),
  );
  timer.unref();
  res.on('drain', onDrain);
  res.once('close', () => {
    clearInterval(timer);
    res.off('drain', onDrain);
  });
}
