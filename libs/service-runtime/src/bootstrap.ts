import 'reflect-metadata';
import type { Server } from 'node:http';
import { ErrorCode } from '@tollgate/contracts';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DynamicModule, Type } from '@nestjs/common';
import { Logger, PinoLogger } from 'nestjs-pino';
import type { Logger as PinoInstance } from 'pino';
import { Draining } from './draining';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { ApiException } from './errors/api-exception';
import { answerClientError, answerRouterError } from './errors/framework-errors';
import { registerBodyParsers } from './errors/body-parsers';
import { assertAcceptableBody } from './errors/acceptable-body';
import { assertNoContentCoding } from './errors/content-encoding';
import { URL_NUL_ERROR, urlHasNulCharacter } from './errors/nul-characters';
import { RouteMethods } from './errors/route-methods';
import { apiValidationPipe } from './errors/validation.pipe';
import { httpRequestDuration, httpRequestsAborted } from './metrics/metrics';
import { requestIdFor } from './request-id';
import { abortedRequestLogger, createRootLogger, requestLogger, ROOT_LOGGER } from './logging';
import { boundUnreadBodies, unmetExpectation } from './unread-body';

export interface ServiceOptions {
  name: string;
  module: Type<unknown> | DynamicModule;
  host: string;
  port: number;
  /**
   * When given, Nest writes to the service's JSON log from the first moment: what goes wrong while
   * the application starts (a database that does not answer, retried for 30 s) is logged as it
   * happens, not held back and then printed as plain text.
   */
  logLevel?: string;
  bodyLimitBytes?: number;
  /** A route's own body limit, when it takes less than `bodyLimitBytes` (undefined: that one). */
  bodyLimitFor?(route: { method: string | string[]; url: string }): number | undefined;
  /** Peers whose X-Forwarded-For gives `request.ip` (Fastify's `trustProxy`); none by default. */
  trustProxy?: false | number | string[];
  shutdownGraceMs?: number;
  /** Extra set-up before listening (OpenAPI, content parsers, CORS...). */
  configure?(app: NestFastifyApplication): Promise<void> | void;
}

/** Services whose stop has begun: requests that still reach them are answered 503 (see createService). */
const closing = new WeakSet<object>();

/** The most UTF-16 units one part of a path may take: longer is no name of ours (404). */
export const MAX_PATH_PARAMETER = 256;

/**
 * Starts a Tollgate service: Fastify, JSON logs (one line per request, with its id), the
 * documented error shape for every failure (including Fastify's own: malformed JSON, oversized
 * bodies, unknown routes, paths that are not valid URL encoding, oversized headers), request
 * metrics, and a graceful stop on SIGTERM/SIGINT.
 */
export async function createService(options: ServiceOptions): Promise<NestFastifyApplication> {
  const bodyLimit = options.bodyLimitBytes ?? 1024 * 1024;
  const adapter = new FastifyAdapter({
    genReqId: requestIdFor,
    bodyLimit,
    trustProxy: options.trustProxy ?? false,
    // Counted in UTF-16 units: a flow's name of 100 characters (its trigger URL's part) may take 200.
    routerOptions: { maxParamLength: MAX_PATH_PARAMETER },
    // Fastify's own 503 has neither the error shape nor X-Request-Id: the onRequest hook below answers instead.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    frameworkErrors: answerRouterError,
    clientErrorHandler: answerClientError,
  });
  const startupLogger = options.logLevel ? nestLoggerOver(createRootLogger(options.name, options.logLevel)) : undefined;
  // Nest's body parsers decode JSON with replacement; ours (registerBodyParsers) refuse what is not UTF-8.
  const app = await NestFactory.create<NestFastifyApplication>(options.module, adapter, {
    bodyParser: false,
    ...(startupLogger ? { logger: startupLogger } : { bufferLogs: true }),
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();

  const fastify = app.getHttpAdapter().getInstance();
  // First of all: a request whose Expect no service meets, or that reaches a stopping service (on a
  // connection it kept open), is not begun.
  // (A callback, not an async hook: no promise for every request of a running service.)
  fastify.addHook('onRequest', (request, _reply, done) => {
    const expected = unmetExpectation(request.raw);
    if (expected !== undefined) return done(new ApiException(ErrorCode.ValidationFailed, `Expect: ${expected} is not supported; only 100-continue is`, { status: 417 }));
    if (!closing.has(fastify)) return done();
    done(new ApiException(ErrorCode.Unavailable, 'The service is stopping; retry shortly', { headers: { 'retry-after': '1', connection: 'close' } }));
  });
  // A request no route takes is answered 404 (or 405, see ApiExceptionFilter) before its body is
  // read: that body would be parsed under the service's largest limit, for nothing. After every
  // onRequest hook, so the answer still carries what they add (CORS headers for a listed origin).
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    if (request.is404) return done(ApiException.notFound());
    done(null, payload);
  });
  // Nest registers its routes when the app initialises, after this hook: every one is recorded.
  const routes = new RouteMethods();
  fastify.addHook('onRoute', (route) => {
    const limit = options.bodyLimitFor?.(route);
    if (limit !== undefined) route.bodyLimit = Math.min(limit, bodyLimit);
    routes.add(route.method, route.url, route.config as never);
  });

  // Nest's own Fastify error handler (set when the app initialises) passes Fastify's errors too
  // (malformed JSON, oversized bodies) to this filter, so every failure gets the API's shape.
  app.useGlobalFilters(new ApiExceptionFilter(routes));
  app.useGlobalPipes(apiValidationPipe());

  registerBodyParsers(app);
  // A body refused unread (over the limit, say) is read on within bounds, so its client gets the answer rather than a reset.
  boundUnreadBodies(app, bodyLimit);
  fastify.addHook('onRequest', async (request) => assertNoContentCoding(request.headers));
  fastify.addHook('preValidation', async (request) => {
    if (urlHasNulCharacter(request.url)) throw ApiException.validation([URL_NUL_ERROR], 'The URL must not contain the NUL character');
    assertAcceptableBody(request.body);
  });
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  const logRequest = requestLogger(app.get<PinoInstance>(ROOT_LOGGER));
  fastify.addHook('onResponse', async (request, reply) => {
    httpRequestDuration
      .labels(request.method, request.routeOptions.url ?? 'unmatched', String(reply.statusCode))
      .observe(reply.elapsedTime / 1000);
    logRequest(request, reply);
  });
  const logAborted = abortedRequestLogger(app.get<PinoInstance>(ROOT_LOGGER));
  fastify.addHook('onRequestAbort', async (request) => {
    httpRequestsAborted.labels(request.method, request.routeOptions.url ?? 'unmatched').inc();
    logAborted(request);
  });

  await options.configure?.(app);
  return app;
}

/**
 * Stops taking requests and lets in-flight ones finish, then runs the shutdown hooks (consumers
 * stop, the outbox is flushed, connections close). Nest's own close() alone would run the hooks
 * while HTTP still accepts work. Answers that would never finish (event streams) are ended through
 * `Draining` once no new one can start. Requests still running after `requestsMs` (a long sync
 * flow, say) have their connections closed, so the hooks still run within the process's grace.
 */
export async function closeGracefully(app: NestFastifyApplication, options: { requestsMs?: number; onCut?(): void } = {}): Promise<void> {
  const server = app.getHttpServer() as Server;
  const fastify = app.getHttpAdapter().getInstance();
  closing.add(fastify);
  const closed = fastify.close();
  drainingOf(app)?.begin();
  // A keep-alive connection whose request finishes after close() began would otherwise hold the
  // server open until its keep-alive timeout: close connections as soon as they fall idle.
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  const cut =
    options.requestsMs === undefined
      ? undefined
      : setTimeout(() => {
          options.onCut?.();
          server.closeAllConnections();
        }, options.requestsMs);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
    clearTimeout(cut);
  }
  await app.close();
}

/** The part of the grace that in-flight requests may take: the rest (at most 5 s) is the shutdown hooks'. */
export const requestsShareOfGrace = (graceMs: number): number => Math.max(graceMs / 2, graceMs - 5_000);

/** The app's Draining, when its modules include ServiceCoreModule. */
function drainingOf(app: NestFastifyApplication): Draining | undefined {
  try {
    return app.get(Draining, { strict: false });
  } catch {
    return undefined;
  }
}

function nestLoggerOver(root: PinoInstance): Logger {
  const params = { pinoHttp: { logger: root } };
  return new Logger(new PinoLogger(params), params);
}

export async function runService(options: ServiceOptions & { logLevel: string }): Promise<NestFastifyApplication> {
  const logger = createRootLogger(options.name, options.logLevel);
  let app: NestFastifyApplication;
  try {
    app = await createService(options);
    await app.listen(options.port, options.host);
  } catch (error) {
    // One line that says why, in the same JSON log as everything else (a port taken, say).
    logger.fatal({ err: error }, `${options.name} could not start: ${(error as Error).message}`);
    process.exit(1);
  }
  logger.info({ url: await app.getUrl() }, `${options.name} listening`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${options.name} stopping`);
    const graceMs = options.shutdownGraceMs ?? 10_000;
    const force = setTimeout(() => {
      logger.error({ graceMs }, 'shutdown did not finish within its grace; exiting');
      process.exit(1);
    }, graceMs);
    force.unref();
    const requestsMs = requestsShareOfGrace(graceMs);
    try {
      await closeGracefully(app, { requestsMs, onCut: () => logger.warn({ requestsMs }, 'requests still running: their connections are closed so the shutdown work can run') });
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'unclean shutdown');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  exitWithParent(() => void stop('parent gone'));
  return app;
}

/**
 * When a launcher sets TOLLGATE_PARENT_PID, the service stops itself once that process is gone,
 * so a killed start command or test run never leaves services holding ports.
 */
export function exitWithParent(onGone: () => void, pid = Number(process.env.TOLLGATE_PARENT_PID)): void {
  if (!pid) return;
  const timer = setInterval(() => {
    try {
      process.kill(pid, 0);
    } catch {
      clearInterval(timer);
      onGone();
    }
  }, 1000);
  timer.unref();
}
