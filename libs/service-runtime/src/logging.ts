import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import { withoutCredentialParameters } from './credential-parameters';

/** The process's one pino logger: Nest's logger (nestjs-pino) and the request log both write to it. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/**
 * A credential outside a credential parameter (a mistyped path, an unknown parameter) is still one: API
 * keys (`tg_`), console sessions (`tgs_`), webhook tokens (`wh_`). Webhook tokens are base64url:
 * most hold a `-` or `_`, which must not end the match and leave the rest of the token behind.
 */
const CREDENTIAL_SHAPED = /\b(tg|tgs|wh)_[A-Za-z0-9_-]{20,}/g;

function redactedUrl(url: string): string {
  return withoutCredentialParameters(url.replace(CREDENTIAL_SHAPED, '$1_[redacted]'));
}
const NOT_LOGGED = /^\/(health|metrics)/;

/**
 * Fields of a database error that quote the data it was given: the query's `parameters` (TypeORM's
 * QueryFailedError), and PostgreSQL's `detail` (`Key (email)=(…) already exists`, `Failing row
 * contains (…)`) and `where` (`COPY notes, line 1, column body: "…"`). Customer data, and possibly
 * secrets, that a log must not hold.
 */
const DATA_FIELDS = new Set(['parameters', 'detail', 'where']);
/** What pino's error serializer makes of an error, and of each error nested in one. */
const SERIALIZED_ERROR = Object.getPrototypeOf(pino.stdSerializers.err(new Error()));

/**
 * PostgreSQL's data exceptions (SQLSTATE class 22) quote the value they refused in the message
 * itself: `invalid input syntax for type uuid: "…"`, `value "…" is out of range for type integer`.
 * Everything from the first quote to the last goes, so a value holding quotes or newlines goes whole.
 */
const DATA_EXCEPTION = /^22[0-9A-Z]{3}$/;
const QUOTED_VALUE = /"[\s\S]*"/;

function withoutData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutData);
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== SERIALIZED_ERROR) return value;
  const error = value as { code?: unknown; message?: unknown; stack?: unknown };
  const quoted = typeof error.code === 'string' && DATA_EXCEPTION.test(error.code) && typeof error.message === 'string' ? error.message : undefined;
  const message = quoted?.replace(QUOTED_VALUE, '"[redacted]"');
  return Object.fromEntries(
    Object.entries(value)
      .filter(([name]) => !DATA_FIELDS.has(name))
      .map(([name, field]) => {
        if (quoted !== undefined && name === 'message') return [name, message];
        // The stack starts with the message: the value stands there too.
        if (quoted !== undefined && name === 'stack' && typeof field === 'string') return [name, field.split(quoted).join(message)];
        return [name, withoutData(field)];
      }),
  );
}

/**
 * The `err` of every log line: what failed (type, message, code, constraint, the SQL text with its
 * `$1` placeholders, stack), never the values it failed on, in nested errors too (a
 * QueryFailedError's `driverError`). A serializer rather than a helper at each call: no line that
 * logs an error can forget it.
 */
export function serializeError(error: unknown): unknown {
  return withoutData(pino.stdSerializers.err(error as Error));
}

const roots = new Map<string, Logger>();

/** The process's logger for this service at this level: the same instance on every call. */
export function createRootLogger(service: string, level: string): Logger {
  const key = `${service}:${level}`;
  const known = roots.get(key);
  if (known) return known;
  const root = pino({
    name: service,
    level,
    base: { pid: process.pid, hostname: hostname(), service },
    serializers: { err: serializeError },
    // Request lines carry no headers; these cover anything else that logs a request object.
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers["x-tollgate-principal"]', 'req.headers.cookie'],
      censor: '[redacted]',
    },
  });
  roots.set(key, root);
  return root;
}

/**
 * One line per finished request: its id, method, URL (keys and tokens in the query redacted),
 * status and time. Written from Fastify's response hook rather than by a per-request middleware
 * with a request-scoped logger: that middleware (pino-http, and the AsyncLocalStorage context
 * nestjs-pino binds around every request) cost a fifth of the gateway's request rate
 * (bench/query-throughput.bench.ts). Logs written while handling a request name its id themselves.
 */
export function requestLogger(
  logger: Logger,
): (request: { id: string; method: string; url: string }, reply: { statusCode: number; elapsedTime: number }) => void {
  const info = logger.isLevelEnabled('info');
  return (request, reply) => {
    const failed = reply.statusCode >= 500;
    if ((!failed && !info) || NOT_LOGGED.test(request.url)) return;
    const line = {
      req: { id: request.id, method: request.method, url: redactedUrl(request.url) },
      res: { statusCode: reply.statusCode },
      responseTime: Math.round(reply.elapsedTime),
    };
    if (failed) logger.warn(line, 'request failed');
    else logger.info(line, 'request completed');
  };
}

/**
 * The line of a request its client gave up on before any answer was sent (no response hook runs
 * for it): without it, a request that started a flow run or a charge leaves no trace of its own.
 */
export function abortedRequestLogger(logger: Logger): (request: { id: string; method: string; url: string }) => void {
  const info = logger.isLevelEnabled('info');
  return (request) => {
    if (!info || NOT_LOGGED.test(request.url)) return;
    logger.info({ req: { id: request.id, method: request.method, url: redactedUrl(request.url) } }, 'request aborted by the client');
  };
}
