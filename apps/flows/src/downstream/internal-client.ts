import { Pool } from 'undici';
import { PRINCIPAL_HEADER, type Principal, type PrincipalTokens } from '@tollgate/auth';
import { REQUEST_ID_HEADER } from '@tollgate/service-runtime';

export interface InternalAnswer<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** A keep-alive client to another Tollgate service, calling as a signed `system` principal of one instance. */
export class InternalClient {
  private readonly pool: Pool;

  constructor(
    baseUrl: string,
    private readonly tokens: PrincipalTokens,
    private readonly timeoutMs = 30_000,
  ) {
    this.pool = new Pool(baseUrl, { connections: 32, keepAliveTimeout: 30_000 });
  }

  async call<T>(req: { method: 'GET' | 'POST'; path: string; instanceId: string; requestId: string; body?: unknown; signal?: AbortSignal; scopes?: string[] }): Promise<InternalAnswer<T>> {
    const principal: Principal = { instanceId: req.instanceId, kind: 'system', scopes: req.scopes ?? [], requestId: req.requestId };
    const res = await this.pool.request({
      method: req.method,
      path: req.path,
      headers: {
        [PRINCIPAL_HEADER]: await this.tokens.tokenFor(principal),
        [REQUEST_ID_HEADER]: req.requestId.slice(0, 128),
        ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: req.body !== undefined ? JSON.stringify(req.body) : undefined,
      signal: req.signal,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    const text = await res.body.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text for the error message
    }
    return { status: res.statusCode, headers: res.headers, body: body as T };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
