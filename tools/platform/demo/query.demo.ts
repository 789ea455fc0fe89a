import type { DemoContext } from './demo-context';

const DAY = 86_400_000;
const STATUSES = ['open', 'in_progress', 'done', 'cancelled'];

async function call(ctx: DemoContext, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${ctx.gatewayUrl}${path}`, {
    method,
    headers: { 'x-api-key': ctx.organizationKey!, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Deterministic pseudo-random numbers: the same demo on every run, so re-seeding changes nothing. */
const pick = (i: number, n: number) => (i * 7919 + 104_729) % n;

const TASKS = ['review procedure', 'fix audit finding', 'update risk map', 'train team', 'check supplier', 'close incident'];

function actions(userIds: string[], now: number) {
  return Array.from({ length: 3000 }, (_, i) => {
    const created = now - (pick(i, 90) + 1) * DAY - pick(i, 86_400) * 1000;
    // Due from 20 days ago to 60 days ahead: about a quarter of the open actions are overdue.
    const due = now + (pick(i + 3, 80) - 20) * DAY;
    const status = STATUSES[pick(Math.floor(i / 5), 4)];
    // An owner for each, and a reviewer for one in three: spread over every user of the instance.
    const owner = userIds.length ? userIds[pick(i, userIds.length)] : undefined;
    const reviewer = userIds.length > 1 && i % 3 === 0 ? userIds[(userIds.indexOf(owner!) + 1) % userIds.length] : undefined;
    return {
      id: `act-${i + 1}`,
      title: `Action ${i + 1}: ${TASKS[pick(Math.floor(i / 7), TASKS.length)]}`,
      createdAt: new Date(created).toISOString(),
      updatedAt: new Date(Math.min(now, created + pick(i, 10) * DAY)).toISOString(),
      status,
      due_date: new Date(due).toISOString().slice(0, 10),
      priority: 1 + pick(i, 3),
      ...(owner ? { responsibilities: [{ userId: owner, role: 'owner' }, ...(reviewer ? [{ userId: reviewer, role: 'reviewer' }] : [])] } : {}),
    };
  });
}

function simple(prefix: string, label: string, count: number, now: number, extra: (i: number) => Record<string, unknown>) {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i + 1}`,
    title: `${label} ${i + 1}`,
    createdAt: new Date(now - (pick(i, 180) + 1) * DAY).toISOString(),
    ...extra(i),
  }));
}

async function load(ctx: DemoContext, entity: string, rows: unknown[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    const res = await call(ctx, 'POST', `/api/v1/entities/${entity}/batch`, { operations: [{ action: 'insertOrUpdate', rows: rows.slice(i, i + 1000) }] });
    if (res.status !== 200) throw new Error(`demo ${entity}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/**
 * Entities `actions` (with due dates, statuses and owners, some overdue), `graphs` and `documents`
 * in the demo instance, written through the batch API with fixed ids: running it again updates
 * the same records instead of adding more.
 */
export async function seedQueryDemo(ctx: DemoContext): Promise<void> {
  if (!ctx.organizationKey) throw new Error('demo query: the identity seeder must run first (no organization key)');
  const definitions = [
    { name: 'actions', fields: [{ name: 'status', type: 'string' }, { name: 'due_date', type: 'date' }, { name: 'priority', type: 'number' }] },
    { name: 'graphs', fields: [{ name: 'kind', type: 'string' }, { name: 'version', type: 'number' }] },
    { name: 'documents', fields: [{ name: 'category', type: 'string' }, { name: 'published', type: 'boolean' }] },
  ];
  for (const d of definitions) {
    const res = await call(ctx, 'POST', '/api/v1/entities', { name: d.name, primaryKey: 'id', fields: d.fields });
    if (res.status !== 201 && res.status !== 200) throw new Error(`demo entity ${d.name}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  const users = await call(ctx, 'GET', '/api/v1/users');
  const list: { id: string; email: string }[] = Array.isArray(users.body) ? users.body : (users.body?.users ?? []);
  const userIds = list.map((u) => u.id);
  ctx.directory = Object.fromEntries(list.map((u) => [u.id, u.email]));
  // Midnight today: re-running on the same day gives identical records.
  const now = Math.floor(Date.now() / DAY) * DAY;
  await load(ctx, 'actions', actions(userIds, now));
  await load(ctx, 'graphs', simple('graph', 'Process map', 400, now, (i) => ({ kind: ['process', 'org', 'risk'][pick(i, 3)], version: 1 + pick(i, 5) })));
  await load(ctx, 'documents', simple('doc', 'Procedure', 600, now, (i) => ({ category: ['quality', 'safety', 'hr'][pick(i, 3)], published: pick(i, 2) === 0 })));

  const base = `${ctx.gatewayUrl}/api/v1`;
  ctx.lines.push(
    'Demo data: entities actions (3000, some overdue), graphs (400), documents (600).',
    `  curl -s '${base}/query?entities=actions&limit=5&key=${ctx.organizationKey}'`,
    `  curl -s '${base}/entities/actions.csv?sort=alpha&order=asc&limit=20&display=id,title,status,due_date&key=${ctx.organizationKey}'`,
    ...(ctx.personalKey ? [`  curl -s -H 'X-Api-Key: ${ctx.personalKey}' '${base}/query.xml?entities=actions&mine=true&limit=5'`] : []),
    `  curl -s -H 'X-Api-Key: ${ctx.organizationKey}' -H 'content-type: application/json' ` +
      `-d '{"query":"{ actions(limit: 3, sort: alpha) { id title status } }"}' '${ctx.gatewayUrl}/graphql'   (playground: GET /graphql)`,
  );
}
