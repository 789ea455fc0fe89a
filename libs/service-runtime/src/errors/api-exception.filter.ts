import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode, type ApiErrorBody } from '@tollgate/contracts';
import { EventTooLarge, repeatLimited } from '@tollgate/event-sourcing';
import { ApiException } from './api-exception';
import type { RouteMethods } from './route-methods';
import { isUnavailableDependency } from './unavailable-dependency';

const BY_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.ValidationFailed,
  401: ErrorCode.InvalidToken,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  405: ErrorCode.MethodNotAllowed,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.ValidationFailed,
  429: ErrorCode.RateLimited,
  503: ErrorCode.Unavailable,
  504: ErrorCode.Timeout,
};

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.InvalidToken]: 'Invalid token',
  [ErrorCode.NotFound]: 'Not found',
  [ErrorCode.PayloadTooLarge]: 'Request body is too large',
  [ErrorCode.Internal]: 'Internal error',
};

/** What a 401 asks for (RFC 9110): the Bearer scheme every credential transport accepts. */
export const BEARER_CHALLENGE = 'Bearer realm="tollgate"';
const challenges = new WeakMap<FastifyRequest, string[]>();

/**
 * Routes whose callers may answer another scheme (a webhook sender's Basic credentials) say so
 * before anything can refuse the request; a 401 then offers these challenges instead.
 */
export function challengeWith(request: FastifyRequest, offered: string[]): void {
  challenges.set(request, offered);
}

/** The challenges a 401 on this request carries (one `WWW-Authenticate` line each). */
export const challengesOf = (request: FastifyRequest): string[] => challenges.get(request) ?? [BEARER_CHALLENGE];

/** Fastify's own errors (body parsing, size limits) carry a statusCode and an FST_ code. */
function fastifyError(error: unknown): { statusCode: number; code: string; message: string } | undefined {
  const e = error as { statusCode?: unknown; code?: unknown; message?: unknown };
  if (typeof e?.statusCode === 'number' && typeof e.code === 'string' && e.code.startsWith('FST_')) {
    return { statusCode: e.statusCode, code: e.code, message: String(e.message) };
  }
  return undefined;
}

/** Answers every failure, whatever threw it, in the one error shape of the API. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('errors');
  /** While the database is away every request says so: the first says it, then one a window with the count. */
  private readonly outageLogger = repeatLimited({
    debug: () => undefined,
    info: () => undefined,
    warn: (obj, msg) => this.logger.warn(obj, msg),
    error: (obj, msg) => this.logger.error(obj, msg),
  });

  /** `routes`: the service's routes, so that a known path asked with the wrong method is a 405, not a 404. */
  constructor(private readonly routes?: RouteMethods) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const { status, body, headers } = request.is404
      ? this.unrouted(request, exception)
      : this.describe(exception, String(request.id), request.routeOptions?.bodyLimit);
    // An ApiException is an answer someone chose (a flow's own failure is flow_failed): the request
    // line records it. Only faults nobody answered on purpose are errors for the operator.
    const chosen = exception instanceof ApiException && exception.code !== ErrorCode.Internal;
    if (status >= 500 && status !== 503 && status !== 504 && !chosen) {
      this.logger.error({ err: exception, requestId: request.id }, 'request failed');
    } else if (status === 503 && !(exception instanceof ApiException) && !(exception instanceof HttpException)) {
      // The driver's reason varies (a connection cut mid-use, then new ones refused); it is detail,
      // not part of the message, so the outage is said once a window whichever way it shows.
      this.outageLogger.warn({ requestId: request.id, reason: (exception as Error).message }, 'requests failing: database unavailable');
    }
    for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
    // RFC 9110: a 401 names the scheme that would be accepted, whichever step refused (a relayed one too).
    if (status === 401) void reply.header('www-authenticate', challengesOf(request));
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  /**
   * A request no route took. When the path exists under other methods, the client has the right
   * address and the wrong verb: 405 with `Allow` (RFC 9110) says which verbs, where a 404 would
   * say the address is wrong.
   */
  private unrouted(request: FastifyRequest, exception: unknown): ReturnType<ApiExceptionFilter['describe']> {
    const allowed = this.routes?.allowed(request.url) ?? [];
    // A route of this very method that sent its request on to not-found (a static file outside
    // the list served) found nothing at this address: that is a 404, whatever else the path takes.
    if (allowed.length === 0 || allowed.includes(request.method)) return this.describe(exception, String(request.id));
    return {
      status: 405,
      headers: { allow: allowed.join(', ') },
      body: {
        status: 'error',
        code: ErrorCode.MethodNotAllowed,
        message: `${request.method} is not allowed here; use ${allowed.join(', ')}`,
        requestId: String(request.id),
      },
    };
  }

  /** `bodyLimit`: the route's body limit in bytes, which a body over it is told. */
  describe(exception: unknown, requestId: string, bodyLimit?: number): { status: number; body: ApiErrorBody; headers: Record<string, string> } {
    if (exception instanceof ApiException) {
      return {
        status: exception.status,
        headers: exception.options.headers ?? {},
        body: {
          status: 'error',
          code: exception.code,
          message: exception.message,
          requestId,
          ...(exception.options.errors ? { errors: exception.options.errors } : {}),
        },
      };
    }
    const fst = fastifyError(exception);
    if (exception instanceof HttpException || fst) {
      const status = fst ? fst.statusCode : (exception as HttpException).getStatus();
      const code = BY_STATUS[status] ?? (status >= 500 ? ErrorCode.Internal : ErrorCode.ValidationFailed);
      let message = MESSAGES[code] ?? (fst ? fst.message : (exception as HttpException).message);
      if (fst?.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fst?.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || /JSON/.test(fst?.message ?? '')) {
        message = 'Malformed JSON body';
      }
      // Fastify's refusal reaches here as Nest's HttpException. A client splitting its data needs
      // the limit, not only that there is one.
      if (status === 413 && bodyLimit !== undefined) message = `The body is larger than ${bodyLimit} bytes`;
      const response = fst ? undefined : (exception as HttpException).getResponse();
      const details =
        typeof response === 'object' && response !== null && 'details' in response
          ? { details: (response as { details: Record<string, unknown> }).details }
          : {};
      if (status === 503 && details.details) message = 'Not ready';
      return { status, headers: {}, body: { status: 'error', code, message, requestId, ...details } };
    }
    // A change too large to publish as an event: the request asked too much, and nothing was written.
    if (exception instanceof EventTooLarge) {
      return { status: 413, headers: {}, body: { status: 'error', code: ErrorCode.PayloadTooLarge, message: exception.message, requestId } };
    }
    if (isUnavailableDependency(exception)) {
      return {
        status: 503,
        headers: { 'retry-after': '1' },
        body: { status: 'error', code: ErrorCode.Unavailable, message: 'The service cannot reach its database just now; retry shortly', requestId },
      };
    }
    return {
      status: 500,
      headers: {},
      body: { status: 'error', code: ErrorCode.Internal, message: 'Internal error', requestId },
    };
  }
}
