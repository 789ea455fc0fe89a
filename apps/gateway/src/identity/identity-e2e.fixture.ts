import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { api, e2ePlatform, type ApiResponse } from '@tollgate/testing';

export const url = (path: string) => `${e2ePlatform().gatewayUrl}${path}`;
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
export const operator = () => bearer(e2ePlatform().operatorToken);

/**
 * A console login sent from `localAddress` (a loopback address of the test's choosing, so that
 * failures the rest of the suite makes from 127.0.0.1 do not count against it) to a gateway.
 */
export function loginFrom(localAddress: string, body: Record<string, string>, gatewayUrl = e2ePlatform().gatewayUrl) {
  return new Promise<{ status: number; retryAfter?: string; code?: string }>((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = httpRequest(
      `${gatewayUrl}/api/v1/auth/login`,
      { method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string, code: JSON.parse(text).code }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export function call<T = any>(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<ApiResponse<T>> {
  return api<T>(method, url(path), { headers, body });
}

export interface TestInstance {
  instanceId: string;
  adminId: string;
  adminEmail: string;
  password: string;
  session: string;
  /** An organization key with every scope. */
  orgKey: string;
}

/** A fresh instance with a users admin (logged in) and an all-scopes organization key. */
export async function createInstance(): Promise<TestInstance> {
  const instanceId = `t${randomBytes(5).toString('hex')}`;
  const created = await call('POST', '/api/v1/operator/instances', operator(), {
    id: instanceId,
    name: `Test ${instanceId}`,
    dailyCredits: 1000,
    timezone: 'Europe/Paris',
  });
  if (created.status !== 201) throw new Error(`instance: ${created.status} ${created.text}`);
  const password = randomBytes(9).toString('base64url');
  const adminEmail = `admin@${instanceId}.test`;
  const admin = await call('POST', `/api/v1/operator/instances/${instanceId}/users`, operator(), {
    email: adminEmail,
    name: 'Admin',
    password,
    roles: { users: 'admin', query: 'admin' },
  });
  if (admin.status !== 201) throw new Error(`admin: ${admin.status} ${admin.text}`);
  const session = await login(instanceId, adminEmail, password);
  const org = await call('POST', '/api/v1/keys', bearer(session), {
    kind: 'organization',
    description: 'all scopes',
    scopes: ['query', 'ingest', 'flows', 'admin'],
  });
  if (org.status !== 201) throw new Error(`org key: ${org.status} ${org.text}`);
  return { instanceId, adminId: admin.body.id, adminEmail, password, session, orgKey: org.body.key };
}

export async function login(instance: string, email: string, password: string): Promise<string> {
  const res = await call('POST', '/api/v1/auth/login', {}, { instance, email, password });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${res.text}`);
  return res.body.token;
}

/** A user (with a password) and, when admin of some module, a personal key of theirs. */
export async function createUser(t: TestInstance, roles: Record<string, string>) {
  const password = randomBytes(9).toString('base64url');
  const email = `u${randomBytes(4).toString('hex')}@${t.instanceId}.test`;
  const res = await call('POST', '/api/v1/users', bearer(t.session), { email, name: 'User', password, roles });
  if (res.status !== 201) throw new Error(`user: ${res.status} ${res.text}`);
  return { id: res.body.id as string, email, password };
}

/** Entity types without fields of their own, for data keys to list (they must name existing types). */
export async function defineEntities(t: TestInstance, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const res = await call('POST', '/api/v1/entities', { 'x-api-key': t.orgKey }, { name, primaryKey: 'id', fields: [] });
    if (res.status !== 201 && res.status !== 200) throw new Error(`entity ${name}: ${res.status} ${res.text}`);
  }
}

export async function issue(t: TestInstance, body: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const res = await call('POST', '/api/v1/keys', bearer(t.session), body);
  if (res.status !== 201) throw new Error(`issue: ${res.status} ${res.text}`);
  return res.body;
}

/** Status of an authenticated call that any valid key of the instance may make. */
export async function authStatus(headers: Record<string, string>, query = ''): Promise<number> {
  return (await call('GET', `/api/v1/auth/me${query}`, headers)).status;
}
