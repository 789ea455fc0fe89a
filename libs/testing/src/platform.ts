/** Addresses of the platform started by the end-to-end tier's global set-up. */
export interface E2ePlatform {
  gatewayUrl: string;
  operatorToken: string;
  internalSecret: string;
  urls: Record<'gateway' | 'keys' | 'credits' | 'query' | 'flows', string>;
  databaseUrls: Record<'keys' | 'credits' | 'query' | 'flows', string>;
}

/**
 * The one web origin the end-to-end platform's gateway lets browser pages call it from
 * (CORS_ORIGINS). On loopback, as the gateway is: Chromium refuses a page from any other address
 * space a request to loopback, whatever the CORS headers say.
 */
export const e2eCorsOrigin = (): string => `http://127.0.0.1:${Number(process.env.E2E_BASE_PORT ?? 18080) + 50}`;

export function e2ePlatform(): E2ePlatform {
  const gatewayUrl = process.env.E2E_GATEWAY_URL;
  if (!gatewayUrl) throw new Error('E2E_GATEWAY_URL is not set: run end-to-end tests through the test command');
  return {
    gatewayUrl,
    operatorToken: process.env.E2E_OPERATOR_TOKEN ?? '',
    internalSecret: process.env.E2E_INTERNAL_SECRET ?? '',
    urls: JSON.parse(process.env.E2E_URLS ?? '{}'),
    databaseUrls: JSON.parse(process.env.E2E_DATABASE_URLS ?? '{}'),
  };
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A small HTTP client for tests: JSON in, parsed JSON (or text) out, never throws on status. */
export async function api<T = any>(
  method: string,
  url: string,
  options: { body?: unknown; headers?: Record<string, string>; rawBody?: string } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.body);
  }
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}
