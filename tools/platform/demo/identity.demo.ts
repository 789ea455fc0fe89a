import { createHmac } from 'node:crypto';
import type { DemoContext } from './demo-context';

const ORGANIZATION_KEY = 'Demo organization key';
const PERSONAL_KEY = 'Demo personal key';
const ADMIN_EMAIL = 'admin@demo.test';

interface Answer<T = any> {
  status: number;
  body: T;
}

async function call<T = any>(ctx: DemoContext, method: string, path: string, token: string, body?: unknown): Promise<Answer<T>> {
  const res = await fetch(`${ctx.gatewayUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

function expect(answer: Answer, ok: number[], what: string): void {
  if (!ok.includes(answer.status)) throw new Error(`demo identity: ${what} answered ${answer.status} ${JSON.stringify(answer.body)}`);
}

/**
 * The demo instance, its admin and two keys. Safe to run again: the instance and admin are kept;
 * keys are shown only once, so each run revokes the previous demo keys and issues fresh ones.
 * The admin password is derived from the operator token, so it stays the same across runs.
 */
export async function seedIdentityDemo(ctx: DemoContext): Promise<void> {
  const operator = ctx.operatorToken;
  const plan = { dailyCredits: 10000, timezone: 'Europe/Paris' };
  const created = await call(ctx, 'POST', '/api/v1/operator/instances', operator, { id: ctx.instanceId, name: 'Demo', ...plan });
  expect(created, [201, 409], 'instance creation');
  // An existing instance keeps its plan; the PATCH only repairs a credit account that is missing.
  if (created.status === 409) expect(await call(ctx, 'PATCH', `/api/v1/operator/instances/${ctx.instanceId}`, operator, {}), [200], 'plan');

  const password = createHmac('sha256', operator).update('tollgate-demo-admin').digest('base64url').slice(0, 16);
  const admin = await call(ctx, 'POST', `/api/v1/operator/instances/${ctx.instanceId}/users`, operator, {
    email: ADMIN_EMAIL,
    name: 'Demo Admin',
    password,
    roles: { users: 'admin', query: 'admin', flows: 'admin' },
  });
  expect(admin, [201, 409], 'admin creation');

  const login = await call<{ token: string }>(ctx, 'POST', '/api/v1/auth/login', '', { instance: ctx.instanceId, email: ADMIN_EMAIL, password });
  expect(login, [200], 'admin login');
  const session = login.body.token;

  const existing = await call<{ keys: { id: string; description: string; status: string }[] }>(ctx, 'GET', '/api/v1/keys', session);
  expect(existing, [200], 'key listing');
  const previous = existing.body.keys
    .filter((k) => k.status === 'active' && (k.description === ORGANIZATION_KEY || k.description === PERSONAL_KEY))
    .map((k) => k.id);
  if (previous.length) expect(await call(ctx, 'DELETE', '/api/v1/keys', session, { ids: previous }), [204], 'old demo keys');

  const organization = await call(ctx, 'POST', '/api/v1/keys', session, {
    kind: 'organization',
    description: ORGANIZATION_KEY,
    scopes: ['query', 'ingest', 'flows', 'admin'],
  });
  expect(organization, [201], 'organization key');
  const personal = await call(ctx, 'POST', '/api/v1/keys', session, { kind: 'personal', description: PERSONAL_KEY });
  expect(personal, [201, 409], 'personal key');

  ctx.organizationKey = organization.body.key;
  ctx.personalKey = personal.status === 201 ? personal.body.key : undefined;
  ctx.adminEmail = ADMIN_EMAIL;
  ctx.adminPassword = password;
  ctx.lines.push(
    `Demo instance: ${ctx.instanceId} (10000 credits a day, Europe/Paris)`,
    `Demo console login: ${ADMIN_EMAIL} / ${password}`,
    `Demo key (organization, all scopes): ${ctx.organizationKey}`,
    ...(ctx.personalKey ? [`Demo key (personal, admin@demo.test): ${ctx.personalKey}`] : []),
  );
}
