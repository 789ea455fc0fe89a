import { api, e2ePlatform, eventually, type ApiResponse } from '@tollgate/testing';
import { bearer, call, type TestInstance } from '../identity/identity-e2e.fixture';

export const key = (k: string) => ({ 'x-api-key': k });
export const enc = encodeURIComponent;

export async function defineFlow(t: TestInstance, body: Record<string, unknown>, base = e2ePlatform().gatewayUrl) {
  const res = await api('POST', `${base}/api/v1/flows`, { headers: key(t.orgKey), body: { app: 'Tests', description: '', ...body } });
  if (res.status !== 201) throw new Error(`flow: ${res.status} ${res.text}`);
  return res.body as { id: string; app: string; name: string; webhookToken: string; urls: { trigger: string; poll: string } };
}

export function trigger(app: string, name: string, options: { method?: string; headers?: Record<string, string>; query?: string; body?: unknown; rawBody?: string; base?: string } = {}): Promise<ApiResponse> {
  const base = options.base ?? e2ePlatform().gatewayUrl;
  return api(options.method ?? 'POST', `${base}/api/1/action/${enc(app)}/${enc(name)}/trigger${options.query ?? ''}`, {
    headers: options.headers,
    body: options.body,
    rawBody: options.rawBody,
  });
}

export async function pollUntil(t: TestInstance, app: string, name: string, processId: string, status: string, base = e2ePlatform().gatewayUrl, timeoutMs = 15_000) {
  return eventually(
    async () => {
      const res = await api('GET', `${base}/api/1/action/${enc(app)}/${enc(name)}/poll/${processId}`, { headers: key(t.orgKey) });
      expect(res.body.status).toBe(status);
      return res.body;
    },
    { timeoutMs, intervalMs: 50 },
  );
}

export const run = (t: TestInstance, processId: string) => call('GET', `/api/v1/runs/${processId}`, bearer(t.session));
