import type { DemoContext } from './demo-context';
import { demoAdminPassword, readDemoState, writeDemoState } from './demo-state';

const ORGANIZATION_KEY = 'Demo organization key';
const PERSONAL_KEY = 'Demo personal key';
const ADMIN_EMAIL = 'admin@demo.test';
const COLLEAGUES = [
  { email: 'ana.martin@demo.test', name: 'Ana Martin', roles: { query: 'contributor' } },
  { email: 'bruno.diaz@demo.test', name: 'Bruno Diaz', roles: { query: 'reader', flows: 'contributor' } },
  { email: 'chen.li@demo.test', name: 'Chen Li', roles: { query: 'reader' } },
];

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
 * The demo instance, its admin, three colleagues and two keys. Safe to run again: the instance,
 * the users, the admin's password and the demo keys are kept (see DemoState); a kept key that no
 * longer works (a user revoked it) is replaced, the other demo keys of that description revoked.
 */
export async function seedIdentityDemo(ctx: DemoContext): Promise<void> {
  const operator = ctx.operatorToken;
  const plan = { dailyCredits: 10000, timezone: 'Europe/Paris' };
  const created = await call(ctx, 'POST', '/api/v1/operator/instances', operator, { id: ctx.instanceId, name: 'Demo', ...plan });
  expect(created, [201, 409], 'instance creation');
  // An existing instance keeps its plan; the PATCH only repairs a credit account that is missing.
  if (created.status === 409) expect(await call(ctx, 'PATCH', `/api/v1/operator/instances/${ctx.instanceId}`, operator, {}), [200], 'plan');

  const state = readDemoState(ctx.stateFile);
  const password = demoAdminPassword(state, operator);
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

  // Colleagues who own actions too, so that `mine=true` shows the admin's share, not everything.
  for (const colleague of COLLEAGUES) {
    expect(await call(ctx, 'POST', '/api/v1/users', session, colleague), [201, 409], `user ${colleague.email}`);
  }

  const works = async (key: string | undefined) => key !== undefined && (await fetch(`${ctx.gatewayUrl}/api/v1/auth/me`, { headers: { 'x-api-key': key } })).status === 200;
  const [organizationKept, personalKept] = [(await works(state.organizationKey)) && state.organizationKey, (await works(state.personalKey)) && state.personalKey];
  if (!organizationKept || !personalKept) {
    // Keys are shown only once: one no longer kept (or not working) is issued again, the old ones of its kind revoked.
    const existing = await call<{ keys: { id: string; description: string; status: string }[] }>(ctx, 'GET', '/api/v1/keys', session);
    expect(existing, [200], 'key listing');
    const replaced = [...(organizationKept ? [] : [ORGANIZATION_KEY]), ...(personalKept ? [] : [PERSONAL_KEY])];
    const previous = existing.body.keys.filter((k) => k.status === 'active' && replaced.includes(k.description)).map((k) => k.id);
    if (previous.length) expect(await call(ctx, 'DELETE', '/api/v1/keys', session, { ids: previous }), [204], 'old demo keys');
  }
  let organizationKey = organizationKept || undefined;
  if (!organizationKey) {
    const organization = await call(ctx, 'POST', '/api/v1/keys', session, { kind: 'organization', description: ORGANIZATION_KEY, scopes: ['query', 'ingest', 'flows', 'admin'] });
    expect(organization, [201], 'organization key');
    organizationKey = organization.body.key as string;
  }
  let personalKey = personalKept || undefined;
  if (!personalKey) {
    const personal = await call(ctx, 'POST', '/api/v1/keys', session, { kind: 'personal', description: PERSONAL_KEY });
    expect(personal, [201, 409], 'personal key');
    personalKey = personal.status === 201 ? (personal.body.key as string) : undefined;
  }
  writeDemoState(ctx.stateFile, { adminPassword: password, organizationKey, personalKey });

  ctx.organizationKey = organizationKey;
  ctx.personalKey = personalKey;
  ctx.adminEmail = ADMIN_EMAIL;
  ctx.adminPassword = password;
  ctx.lines.push(
    `Demo instance: ${ctx.instanceId} (10000 credits a day, Europe/Paris)`,
    `Demo console login: ${ADMIN_EMAIL} / ${password}`,
    `Demo key (organization, all scopes): ${ctx.organizationKey}`,
    ...(ctx.personalKey ? [`Demo key (personal, admin@demo.test): ${ctx.personalKey}`] : []),
  );
}
