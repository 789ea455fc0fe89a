import { api, type ApiResponse } from '@tollgate/testing';
import { url } from '../identity/identity-e2e.fixture';

export const withKey = (key: string) => ({ 'x-api-key': key });

export function as<T = any>(key: string, method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
  return api<T>(method, url(path), { headers: withKey(key), body });
}

export async function remaining(key: string): Promise<number> {
  const res = await as(key, 'GET', '/api/v1/credits');
  if (res.status !== 200) throw new Error(`credits: ${res.status} ${res.text}`);
  return res.body.remaining;
}

export async function defineAndLoad(key: string, name: string, fields: { name: string; type: string }[], rows: unknown[]): Promise<void> {
  const defined = await as(key, 'POST', '/api/v1/entities', { name, primaryKey: 'id', fields });
  if (defined.status !== 201 && defined.status !== 200) throw new Error(`define ${name}: ${defined.status} ${defined.text}`);
  const loaded = await as(key, 'POST', `/api/v1/entities/${name}/batch`, { operations: [{ action: 'insertOrUpdate', rows }] });
  if (loaded.status !== 200) throw new Error(`load ${name}: ${loaded.status} ${loaded.text}`);
}
