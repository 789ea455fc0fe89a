import type { BusLogger } from './kafka-bus';

const HELD_KEYS_MAX = 1000;

/**
 * A warning or error that keeps coming (a broker that is away: every retry of every client says
 * so) is written the first time, then at most once per window, with how many were held back in
 * between. Messages that differ only in numbers (delays, ports, attempts) count as the same.
 */
export function repeatLimited(logger: BusLogger, windowMs = 30_000, now: () => number = Date.now): BusLogger {
  const held = new Map<string, { until: number; count: number }>();
  const limited = (write: (obj: object, msg?: string) => void) => (obj: object, msg?: string) => {
    const key = (msg ?? '').replace(/\d+/g, '#');
    const at = now();
    const entry = held.get(key);
    if (entry && at < entry.until) {
      entry.count++;
      return;
    }
    if (held.size >= HELD_KEYS_MAX) {
      for (const [k, e] of held) if (e.until <= at) held.delete(k);
    }
    held.set(key, { until: at + windowMs, count: 0 });
    write(entry?.count ? { ...obj, repeatedSinceLastLine: entry.count } : obj, msg);
  };
  return {
    debug: (obj, msg) => logger.debug(obj, msg),
    info: (obj, msg) => logger.info(obj, msg),
    warn: limited((obj, msg) => logger.warn(obj, msg)),
    error: limited((obj, msg) => logger.error(obj, msg)),
  };
}
