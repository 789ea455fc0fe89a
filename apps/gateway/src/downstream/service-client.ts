import { Pool, type Dispatcher } from 'undici';
import { PRINCIPAL_HEADER, type Principal, type PrincipalTokens } from '@tollgate/auth';
import { ErrorCode } from '@tollgate/contracts';
import { ApiException, REQUEST_ID_HEADER } from '@tollgate/service-runtime';

export type ServiceName = 'keys' | 'credits' | 'query' | 'flows';

export interface DownstreamRequest {
  method: Dispatcher.HttpMethod;
  path: string;
  principal: Principal;
  requestId: string;
  body?: unknown;
  /** Raw body and its content type, passed through untouched (flow triggers). */
  rawBody?: { contentType: string; payload: Buffer | string };
  headers?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface DownstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

/**
 * Keep-alive connection pool to one internal service. Every call carries the signed principal
 * and the request id, so the service can authorise and log it.
 */
export class ServiceClient {
  private readonly pool: Pool;

  constructor(
    readonly name: ServiceName,
    readonly baseUrl: string,
    private readonly tokens: PrincipalTokens,
    private readonly defaultTimeoutMs: number,
    /** The most connections open to the service at once (null: no bound); calls beyond it wait for one. */
    connections: number | null = 64,
  ) {
    this.pool = new Pool(baseUrl, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  }

  async request(req: DownstreamRequest): Promise<DownstreamResponse> {
    const headers: Record<string, string> = {
      ...req.headers,
      [PRINCIPAL_HEADER]: await this.tokens.tokenFor(req.principal),
      [REQUEST_ID_HEADER]: req.requestId,
    };
    let body: string | Buffer | undefined;
    if (req.rawBody) {
      headers['content-type'] = req.rawBody.contentType;
      body = req.rawBody.payload;
    } else if (req.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.body);
    }
    const timeout = req.timeoutMs ?? this.defaultTimeoutMs;
    try {
      const res = await this.pool.request({
        method: req.method,
        path: req.path,
        headers,
        body,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: req.signal,
      });
      return { status: res.statusCode, headers: res.headers, body: res.body };
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
        throw new ApiException(ErrorCode.Timeout, `The ${this.name} service did not answer in time`);
      }
      throw new ApiException(ErrorCode.Unavailable, `The ${this.name} service is unavailable`);
    }
  }

  /** A call whose JSON answer the gateway itself needs. Non-2xx answers come back as ApiException. */
  async json<T>(req: DownstreamRequest): Promise<{ status: number; body: T }> {
    const res = await this.request(req);
    let parsed: unknown;
    try {
      const text = await res.body.text();
      parsed = text ? JSON.parse(text) : undefined;
    } catch (error) {
      // Cut off after its headers, or not JSON: the call's outcome is unknown, as when no answer
      // came, and callers that must settle it (a debit: refund what it may have charged) hear so.
      const timedOut = (error as { code?: string }).code === 'UND_ERR_BODY_TIMEOUT';
      throw new ApiException(timedOut ? ErrorCode.Timeout : ErrorCode.Unavailable, `The ${this.name} service's answer ${timedOut ? 'did not arrive in time' : 'could not be read'}`);
    }
    if (res.status >= 400) {
      const e = parsed as { code?: string; message?: string; errors?: { field: string; message: string }[] } | undefined;
      // A service's "retry shortly" (its 503's Retry-After) is the caller's to hear.
      const retryAfter = res.headers['retry-after'];
      throw new ApiException((e?.code as ErrorCode) ?? ErrorCode.Internal, e?.message ?? 'Downstream error', {
        status: res.status,
        errors: e?.errors,
        ...(typeof retryAfter === 'string' ? { headers: { 'retry-after': retryAfter } } : {}),
      });
    }
    return { status: res.status, body: parsed as T };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
