/**
 * PostgreSQL SQLSTATEs that mean the server, not the request, is the problem: connection
 * exceptions (class 08), an administrator or crash shutdown, a server still starting, too many
 * connections, and a database closed to new connections.
 */
const SERVER_GONE = /^(08...|57P0[123]|53300)$/;
const NOT_ACCEPTING = '55000';

/** Socket errors on the way to the database (or to another service). */
const SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** What node-postgres throws, without a code, when a connection is lost or cannot be had. */
const PG_CONNECTION = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed)/;

function unavailable(error: { code?: unknown; message?: unknown }): boolean {
  const code = typeof error.code === 'string' ? error.code : '';
  const message = typeof error.message === 'string' ? error.message : '';
  if (SERVER_GONE.test(code) || SOCKET.has(code)) return true;
  if (code === NOT_ACCEPTING && /accepting connections/.test(message)) return true;
  return code === '' && PG_CONNECTION.test(message);
}

/**
 * True when an error says that a dependency (the service's database) cannot be reached just now,
 * as while it restarts or is cut off: the request may succeed if retried, so it is answered 503
 * `unavailable`, not 500. Looks through TypeORM's QueryFailedError (driverError) and error causes.
 */
export function isUnavailableDependency(error: unknown): boolean {
  for (let e = error as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (typeof e !== 'object') return false;
    if (unavailable(e)) return true;
    e = (e.driverError ?? e.cause) as typeof e;
  }
  return false;
}
