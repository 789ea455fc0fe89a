import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { TOPICS } from '@tollgate/contracts';
import { api, collectMessages, e2ePlatform, eventually, testBrokers } from '@tollgate/testing';
import { bearer, call, createInstance, createUser, issue, login, operator, type TestInstance } from '../identity/identity-e2e.fixture';
import { defineAndLoad } from '../query/query-e2e.fixture';
import { defineFlow, key, run, trigger } from './flows-e2e.fixture';

jest.setTimeout(60_000);

describe('flows: who may run them, and every step type', () => {
  let t: TestInstance;
  let other: TestInstance;
  beforeAll(async () => {
    [t, other] = await Promise.all([createInstance(), createInstance()]);
  });

  it('lets anyone run a flow that allows anonymous calls (recorded as anonymous), and nobody else without a key', async () => {
    const open = await defineFlow(t, { name: `Open ${randomUUID().slice(0, 6)}`, allowAnonymous: true, steps: [{ type: 'output', name: 'ok', from: '[true]' }] });
    const closed = await defineFlow(t, { name: `Closed ${randomUUID().slice(0, 6)}`, steps: [{ type: 'output', name: 'ok', from: '[true]' }] });
    expect(open.urls.trigger).toContain(`?instance=${t.instanceId}`);
    const anonymous = await api('POST', open.urls.trigger, {});
    expect(anonymous.status).toBe(200);
    // A webhook sender set up with Basic credentials of its own still reaches a flow open to anyone.
    expect((await api('POST', open.urls.trigger, { headers: { authorization: 'Basic dXNlcjpwYXNz' } })).status).toBe(200);
    // So does a payload with an access_token of its own (an OAuth provider's token-refreshed event, say);
    // beside a key, it is no second credential either.
    const payload = { event: 'token.refreshed', access_token: 'ya29.a0AfH6SMBx' };
    expect((await api('POST', open.urls.trigger, { body: payload })).status).toBe(200);
    const withKey = await api('POST', closed.urls.trigger, { headers: key(t.orgKey), body: payload });
    expect([withKey.status, withKey.body.data]).toEqual([200, { ok: [true] }]);
    const record = await run(t, anonymous.headers.get('x-flow-process-id')!);
    expect(record.body.startedBy).toBe('anonymous');
    // Refused saying what to send, the same for a closed flow and one that does not exist.
    for (const name of [closed.name, 'No such flow']) {
      const refused = await trigger('Tests', name, { query: `?instance=${t.instanceId}` });
      expect([refused.status, refused.body.code, refused.body.message]).toEqual([401, 'invalid_token', 'No key, and the instance has no flow of this name that anyone may run: send a key']);
    }
    const noInstance = await trigger('Tests', open.name);
    expect([noInstance.status, noInstance.body.message]).toEqual([401, 'No key: send one, or name with ?instance= the instance of a flow that anyone may run']);
    expect((await trigger('Tests', closed.name, { headers: key('tg_not_a_real_key') })).body.message).toBe('Invalid token');
  });

  it('takes a key from a webhook sender that only offers Basic credentials, as the user name or the password', async () => {
    const closed = await defineFlow(t, { name: `Basic ${randomUUID().slice(0, 6)}`, steps: [{ type: 'output', name: 'seen', from: '[$keys($input.headers)]' }] });
    const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
    const orgKeyId = (await call('GET', '/api/v1/auth/me', key(t.orgKey))).body.keyId;
    for (const headers of [basic(t.orgKey, ''), basic('apikey', t.orgKey)]) {
      // Proxy credentials are credentials too: no flow is handed them, nor are they kept with the run.
      const res = await trigger('Tests', closed.name, { headers: { ...headers, 'proxy-authorization': 'Basic cHJveHk6c2VjcmV0', 'x-signature': 'sha256=1' } });
      expect(res.status).toBe(200);
      expect(res.body.data.seen).not.toEqual(expect.arrayContaining([expect.stringMatching(/authorization/)]));
      expect(res.body.data.seen).toContain('x-signature');
      expect((await run(t, res.body.processId)).body.startedBy).toBe(orgKeyId);
    }
    const revoked = await issue(t, { kind: 'organization', description: 'to revoke', scopes: ['flows'] });
    expect((await call('DELETE', `/api/v1/keys/${revoked.id}`, bearer(t.session))).status).toBe(204);
    for (const headers of [basic('apikey', revoked.key), basic('user', 'pass'), { ...basic('apikey', t.orgKey), ...key(revoked.key) }]) {
      const res = await trigger('Tests', closed.name, { headers });
      expect([res.status, res.body.code]).toEqual([401, 'invalid_token']);
    }
    // Senders that only send credentials when challenged (curl --anyauth, Java's Authenticator) are
    // asked for Basic ones on the trigger and poll routes, and only there: a console request answered
    // with a Basic challenge would make the browser prompt for a password.
    const challenges = ['Basic realm="tollgate", charset="UTF-8"', 'Bearer realm="tollgate"'].join(', ');
    const challenged = async (res: Promise<{ status: number; headers: Headers }>) => {
      const { status, headers } = await res;
      return [status, headers.get('www-authenticate')];
    };
    expect(await challenged(trigger('Tests', closed.name, { query: `?instance=${t.instanceId}` }))).toEqual([401, challenges]);
    expect(await challenged(trigger('Tests', closed.name, { headers: basic('apikey', revoked.key) }))).toEqual([401, challenges]);
    expect(await challenged(api('GET', `${e2ePlatform().gatewayUrl}/api/1/action/Tests/${encodeURIComponent(closed.name)}/poll/${randomUUID()}?instance=${t.instanceId}`, {}))).toEqual([
      401,
      challenges,
    ]);
    expect(await challenged(api('GET', `${e2ePlatform().gatewayUrl}/api/v1/flows`, {}))).toEqual([401, 'Bearer realm="tollgate"']);
    // A flow that answers 401 itself keeps its own challenge; without one it gets the gateway's.
    const own = await defineFlow(t, {
      name: `Own auth ${randomUUID().slice(0, 6)}`,
      allowAnonymous: true,
      steps: [{ type: 'response', statusCode: '$input.body.status', headers: '$input.body.headers', body: '"no"' }],
    });
    const answered = (body: unknown) => challenged(api('POST', own.urls.trigger, { body }));
    expect(await answered({ status: 401, headers: { 'WWW-Authenticate': 'Signature realm="partner"' } })).toEqual([401, 'Signature realm="partner"']);
    expect(await answered({ status: 401, headers: {} })).toEqual([401, challenges]);
    const docs = (await api('GET', `${e2ePlatform().gatewayUrl}/api/docs-json`)).body;
    expect(docs.components.securitySchemes.basic).toMatchObject({ type: 'http', scheme: 'basic' });
    expect(docs.paths['/api/1/action/{app}/{flow}/trigger'].post.security).toContainEqual({ basic: [] });
  });

  it('gives anonymous callers a poll URL they can use, and never hands a flow the webhook token it was called with', async () => {
    const form = await defineFlow(t, { name: `Signup ${randomUUID().slice(0, 6)}`, mode: 'async', allowAnonymous: true, steps: [{ type: 'output', name: 'url', from: '[$input.url]' }] });
    const polled = async (processId: string) =>
      eventually(async () => {
        const res = await api('GET', form.urls.poll.replace('{processId}', processId), {});
        expect([res.status, res.body.status]).toEqual([200, 'success']);
        return res.body.data.url[0] as string;
      });
    const anonymous = await api('POST', form.urls.trigger, { body: { email: 'ann@example.com' } });
    expect(anonymous.status).toBe(202);
    expect(await polled(anonymous.body.processId)).toBe(form.urls.trigger);

    const hooked = await api('POST', `${form.urls.trigger}&token=${form.webhookToken}&order=7`, { body: {} });
    expect(hooked.status).toBe(202);
    expect((await run(t, hooked.body.processId)).body.startedBy).toBe('webhook');
    const seen = await polled(hooked.body.processId);
    expect(seen).toBe(`${form.urls.trigger}&token=[redacted]&order=7`);
    expect(JSON.stringify((await run(t, hooked.body.processId)).body)).not.toContain(form.webhookToken);
  });

  it('masks a key or webhook token in the URL a flow is handed however its parameter name is spelt', async () => {
    const flow = await defineFlow(t, { name: `Echo url ${randomUUID().slice(0, 6)}`, steps: [{ type: 'output', name: 'url', from: '[$input.url]' }] });
    // The gateway reads `k%65y` as `key` and `%74oken` as `token` (the query parser decodes names),
    // and a `#` in the request line starts the query as a `?` does.
    const base = flow.urls.trigger.split('?')[0];
    const spellings = [
      { query: `?k%65y=${t.orgKey}&order=7`, secret: t.orgKey, url: `${base}?k%65y=[redacted]&order=7` },
      { query: `?instance=${t.instanceId}&%74oken=${flow.webhookToken}`, secret: flow.webhookToken, url: `${base}?instance=${t.instanceId}&%74oken=[redacted]` },
      { query: `?%6B%65%79=${t.orgKey}`, secret: t.orgKey, url: `${base}?%6B%65%79=[redacted]` },
    ];
    for (const { query, secret, url } of spellings) {
      const res = await trigger('Tests', flow.name, { query });
      expect(res.status).toBe(200);
      expect(res.body.data.url).toEqual([url]);
      expect(JSON.stringify((await run(t, res.body.processId)).body)).not.toContain(secret);
    }
    // fetch drops a fragment; a client writing its own request line need not.
    const gateway = new URL(e2ePlatform().gatewayUrl);
    const raw = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const path = `${new URL(flow.urls.trigger).pathname}#&k%65y=${t.orgKey}`;
      const req = request({ host: gateway.hostname, port: gateway.port, path, method: 'POST' }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(raw.status).toBe(200);
    expect(raw.body.data.url).toEqual([`${base}#&k%65y=[redacted]`]);
    expect(JSON.stringify((await run(t, raw.body.processId)).body)).not.toContain(t.orgKey);
  });

  it('masks a key or webhook token in the Referer a flow is handed, as in its URL', async () => {
    // A browser names the page that sent the request, keys in its address and all.
    const flow = await defineFlow(t, { name: `Echo referer ${randomUUID().slice(0, 6)}`, steps: [{ type: 'output', name: 'from', from: '[$input.headers.referer]' }] });
    const res = await trigger('Tests', flow.name, { headers: { ...key(t.orgKey), referer: `https://shop.example/order?k%65y=${t.orgKey}&token=${flow.webhookToken}&step=2` } });
    expect(res.status).toBe(200);
    expect(res.body.data.from).toEqual(['https://shop.example/order?k%65y=[redacted]&token=[redacted]&step=2']);
    const stored = JSON.stringify((await run(t, res.body.processId)).body);
    expect([stored.includes(t.orgKey), stored.includes(flow.webhookToken)]).toEqual([false, false]);
  });

  it('needs the flows scope and, for personal keys, membership of one of the flow groups', async () => {
    const member = await createUser(t, { query: 'admin' });
    const outsider = await createUser(t, { query: 'admin' });
    const memberKey = await issue(t, { kind: 'personal', ownerId: member.id, description: 'm', scopes: ['flows'] });
    const outsiderKey = await issue(t, { kind: 'personal', ownerId: outsider.id, description: 'o', scopes: ['flows'] });
    const queryOnly = await issue(t, { kind: 'organization', description: 'q', scopes: ['query'] });
    const group = await call('POST', '/api/v1/groups', bearer(t.session), { name: `API users ${randomUUID().slice(0, 4)}`, members: [member.id] });
    expect(group.status).toBe(201);
    const flow = await defineFlow(t, { name: `Grouped ${randomUUID().slice(0, 6)}`, groups: [group.body.name], steps: [{ type: 'output', name: 'ok', from: '[1]' }] });

    const ok = await trigger('Tests', flow.name, { headers: key(memberKey.key) });
    expect(ok.status).toBe(200);
    expect((await run(t, ok.headers.get('x-flow-process-id')!)).body.startedBy).toBe(member.id);
    expect((await trigger('Tests', flow.name, { headers: key(outsiderKey.key) })).status).toBe(403);
    expect((await trigger('Tests', flow.name, { headers: key(queryOnly.key) })).status).toBe(403);
    expect((await trigger('Tests', flow.name, { headers: key(t.orgKey) })).status).toBe(200);

    const byToken = await trigger('Tests', flow.name, { query: `?instance=${t.instanceId}&token=${flow.webhookToken}` });
    expect(byToken.status).toBe(200);
    expect((await run(t, byToken.headers.get('x-flow-process-id')!)).body.startedBy).toBe('webhook');
    expect((await trigger('Tests', flow.name, { query: `?token=wrong` })).status).toBe(401);
  });

  it("refuses groups that are not the instance's own when a flow is saved, naming them, and changes nothing", async () => {
    const suffix = randomUUID().slice(0, 6);
    const [own, foreign] = await Promise.all([
      call('POST', '/api/v1/groups', bearer(t.session), { name: `Own ${suffix}`, members: [] }),
      call('POST', '/api/v1/groups', bearer(other.session), { name: `Foreign ${suffix}`, members: [] }),
    ]);
    expect([own.status, foreign.status]).toEqual([201, 201]);
    const steps = [{ type: 'output', name: 'ok', from: '[1]' }];
    const save = (body: Record<string, unknown>, id?: string) => call(id ? 'PUT' : 'POST', `/api/v1/flows${id ? `/${id}` : ''}`, key(t.orgKey), { app: 'Tests', steps, ...body });
    const name = `Guarded ${suffix}`;
    for (const groups of [[foreign.body.id], [own.body.name, foreign.body.name], [own.body.id, 'No such group']]) {
      const refused = await save({ name, groups });
      const at = groups.length - 1;
      expect([refused.status, refused.body.code, refused.body.errors]).toEqual([400, 'validation_failed', [{ field: `groups.${at}`, message: expect.stringContaining(JSON.stringify(groups[at])) }]]);
    }
    expect((await call('GET', '/api/v1/flows?app=Tests', key(t.orgKey))).body.flows.map((f: { name: string }) => f.name)).not.toContain(name);
    // Its own groups, by id or name, are taken; a group created a moment ago too.
    const created = await save({ name, groups: [own.body.id, own.body.name] });
    expect(created.status).toBe(201);
    const fresh = await call('POST', '/api/v1/groups', bearer(t.session), { name: `Fresh ${suffix}`, members: [] });
    expect((await save({ name, groups: [fresh.body.name] }, created.body.id)).status).toBe(200);
    const replaced = await save({ name, groups: [fresh.body.name, foreign.body.id] }, created.body.id);
    expect([replaced.status, replaced.body.errors?.[0]?.field]).toEqual([400, 'groups.1']);
    expect((await call('GET', `/api/v1/flows/${created.body.id}`, key(t.orgKey))).body.groups).toEqual([fresh.body.name]);
  });

  it('lets only those who may read records save a flow that reads them (query steps)', async () => {
    const flowsOnly = await issue(t, { kind: 'organization', description: 'flows only', scopes: ['flows'] });
    const reads = { type: 'query', id: 'all', entity: 'actions' };
    const send = { type: 'output', name: 'out', from: '[1]' };
    const save = (credential: Record<string, string>, body: Record<string, unknown>, id?: string) =>
      call(id ? 'PUT' : 'POST', `/api/v1/flows${id ? `/${id}` : ''}`, credential, { app: 'Tests', description: '', ...body });
    const name = `Reader ${randomUUID().slice(0, 6)}`;
    const refused = await save(key(flowsOnly.key), { name, steps: [reads, send] });
    expect([refused.status, refused.body.code, refused.body.message]).toEqual([403, 'forbidden', expect.stringContaining('query')]);
    expect((await call('GET', `/api/v1/flows?app=Tests`, key(t.orgKey))).body.flows.map((f: { name: string }) => f.name)).not.toContain(name);
    // Nor may it change a flow that reads records, which would let it send them anywhere.
    const existing = await defineFlow(t, { name, steps: [reads, send] });
    const changed = await save(key(flowsOnly.key), { name, steps: [reads, { type: 'output', name: 'everything', from: '$steps.all' }] }, existing.id);
    expect([changed.status, changed.body.code]).toEqual([403, 'forbidden']);
    expect((await call('GET', `/api/v1/flows/${existing.id}`, key(t.orgKey))).body.steps).toEqual([reads, send]);
    // Flows without query steps are its to manage, and a console session of a flows contributor reads records anyway.
    expect((await save(key(flowsOnly.key), { name: `${name} b`, steps: [send] })).status).toBe(201);
    const contributor = await createUser(t, { flows: 'contributor' });
    const session = await login(t.instanceId, contributor.email, contributor.password);
    expect((await save(bearer(session), { name: `${name} c`, steps: [reads, send] })).status).toBe(201);
  });

  it("never shows one instance's flows or runs to another", async () => {
    const flow = await defineFlow(t, { name: `Private ${randomUUID().slice(0, 6)}`, mode: 'async', steps: [{ type: 'output', name: 'ok', from: '[1]' }] });
    const started = await trigger('Tests', flow.name, { headers: key(t.orgKey) });
    expect(started.status).toBe(202);
    const processId = started.body.processId;
    expect((await trigger('Tests', flow.name, { headers: key(other.orgKey) })).status).toBe(404);
    expect((await api('GET', `${e2ePlatform().gatewayUrl}/api/1/action/Tests/${encodeURIComponent(flow.name)}/poll/${processId}`, { headers: key(other.orgKey) })).status).toBe(404);
    expect((await call('GET', `/api/v1/runs/${processId}`, key(other.orgKey))).status).toBe(404);
    expect((await call('GET', `/api/v1/flows/${flow.id}`, key(other.orgKey))).status).toBe(404);
    expect((await call('GET', `/api/v1/runs/${processId}`, key(t.orgKey))).status).toBe(200);
  });

  it('tells an anonymous caller nothing of flows that do not take anonymous calls, though two apps share the name', async () => {
    const name = `Payroll ${randomUUID().slice(0, 6)}`;
    for (const app of ['Tests', 'Other']) await defineFlow(t, { app, name, steps: [{ type: 'output', name: 'ok', from: '[1]' }] });
    const base = e2ePlatform().gatewayUrl;
    const asked = async (flowName: string) =>
      Promise.all([
        api('POST', `${base}/api/1/action/${encodeURIComponent(flowName)}/trigger?instance=${t.instanceId}`, {}),
        api('GET', `${base}/api/1/action/${encodeURIComponent(flowName)}/poll/run_${randomUUID()}?instance=${t.instanceId}`, {}),
      ]).then((answers) => answers.map((a) => [a.status, a.body.code]));
    const nobody = await asked(`Nothing ${randomUUID().slice(0, 6)}`);
    expect(nobody).toEqual([
      [401, 'invalid_token'],
      [401, 'invalid_token'],
    ]);
    expect(await asked(name)).toEqual(nobody);
    // A caller of the instance still learns which path to use.
    expect((await api('POST', `${base}/api/1/action/${encodeURIComponent(name)}/trigger`, { headers: key(t.orgKey) })).status).toBe(409);
  });

  it('runs query (metered), filter, map, ics, debug, emit, delay and output steps', async () => {
    const entity = await call('POST', '/api/v1/entities', key(t.orgKey), {
      name: 'actions',
      primaryKey: 'ref',
      fields: [{ name: 'ref', type: 'string' }, { name: 'due_date', type: 'date' }, { name: 'status', type: 'string' }, { name: 'owner_email', type: 'string' }],
    });
    expect(entity.status).toBe(201);
    const rows = [
      { ref: 'A1', title: 'Fix valve', due_date: '2020-01-10', status: 'open', owner_email: 'ann@example.com', responsibilities: [{ userId: 'u-ann', role: 'owner' }] },
      { ref: 'A2', title: 'Audit', due_date: '2099-01-10', status: 'open', owner_email: 'bob@example.com' },
      { ref: 'A3', title: 'Old, done', due_date: '2020-01-10', status: 'done', owner_email: 'cy@example.com' },
      { ref: 'A4', title: 'Old, cancelled', due_date: '2020-01-10', status: 'cancelled', owner_email: 'di@example.com', responsibilities: [{ userId: 'u-di', role: 'owner' }] },
    ];
    const batch = await call('POST', '/api/v1/entities/actions/batch', key(t.orgKey), { operations: [{ action: 'insert', rows }] });
    expect(batch.status).toBe(200);
    const kafka = await collectMessages(testBrokers(), [TOPICS.flows]);
    try {
      const flow = await defineFlow(t, {
        name: `Steps ${randomUUID().slice(0, 6)}`,
        steps: [
          { type: 'query', id: 'actions', entity: 'actions', where: "$not(status in ['done', 'cancelled'])" },
          { type: 'filter', id: 'overdue', from: '$steps.actions', expr: 'due_date < $substring($now(), 0, 10)' },
          { type: 'map', id: 'names', from: '$steps.overdue', expr: 'title' },
          { type: 'debug', expr: '"overdue: " & $count($steps.overdue)' },
          { type: 'delay', ms: 10 },
          { type: 'ics', id: 'invites', from: '$steps.overdue', title: '"Review: " & title', start: '$input.body.meetingAt', attendees: '[owner_email]' },
          { type: 'emit', event: 'overdue.found', data: '{"count": $count($steps.overdue), "refs": [$steps.overdue.ref]}' },
          { type: 'output', name: 'titles', from: '$steps.names' },
          { type: 'output', name: 'invitations', from: '$steps.invites' },
        ],
      });
      const before = (await call('GET', '/api/v1/credits', key(t.orgKey))).body.remaining;
      const res = await trigger('Tests', flow.name, { headers: key(t.orgKey), body: { meetingAt: '2026-03-02T09:00:00.000Z' } });
      expect(res.status).toBe(200);
      expect([res.headers.get('x-credits-cost'), res.headers.get('x-credits-remaining')]).toEqual(['1', String(before - 1)]);
      expect(res.body.data.titles).toEqual(['Fix valve']);
      const [invite] = res.body.data.invitations;
      expect(invite).toMatchObject({ title: 'Review: Fix valve', start: '2026-03-02T09:00:00.000Z', attendees: [{ email: 'ann@example.com' }] });
      expect(invite.ics).toContain('BEGIN:VCALENDAR');
      expect(invite.ics).toContain('METHOD:REQUEST');
      expect(invite.ics.replace(/\r\n[ \t]/g, '')).toMatch(/ATTENDEE[^\r\n]*mailto:ann@example.com/);
      await eventually(async () => expect((await call('GET', '/api/v1/credits', key(t.orgKey))).body.remaining).toBe(before - 1));
      const processId = res.headers.get('x-flow-process-id')!;
      const record = (await run(t, processId)).body;
      expect(record.messages.map((m: { text: string }) => m.text)).toEqual(expect.arrayContaining(['overdue: 1']));
      await eventually(() => {
        const event = kafka.messages.map((m) => JSON.parse(m.value)).find((e) => e.type === 'FlowEmitted' && e.data.processId === processId);
        expect(event).toMatchObject({ instanceId: t.instanceId, data: { event: 'overdue.found', payload: { count: 1, refs: ['A1'] } } });
      });
      const types = () => kafka.messages.map((m) => JSON.parse(m.value)).filter((e) => e.aggregateId === processId).map((e) => e.type);
      await eventually(() => expect(types()).toEqual(expect.arrayContaining(['FlowRunStarted', 'FlowRunSucceeded'])));
    } finally {
      await kafka.stop();
    }

    // The shipped example (demo data) over the same records.
    const example = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'tools', 'examples', 'overdue-actions.flow.json'), 'utf8'));
    const demo = await defineFlow(t, example);
    const invites = await trigger(demo.app, demo.name, { headers: key(t.orgKey), body: { meetingAt: '2026-03-02T09:00:00.000Z', directory: { 'u-ann': 'ann@example.com' } } });
    expect(invites.status).toBe(200);
    expect(invites.body.data.invitations).toEqual([expect.objectContaining({ title: 'Review overdue action: Fix valve', attendees: [expect.objectContaining({ email: 'ann@example.com' })] })]);
    // Run again (the next day, say), it updates the same calendar event instead of adding one.
    const again = await trigger(demo.app, demo.name, { headers: key(t.orgKey), body: { meetingAt: '2026-03-03T09:00:00.000Z', directory: { 'u-ann': 'ann@example.com' } } });
    expect(again.body.data.invitations.map((i: { uid: string }) => i.uid)).toEqual(invites.body.data.invitations.map((i: { uid: string }) => i.uid));
  });

  it('refunds what a run that fails or times out was charged, and says so in its credit headers', async () => {
    const remaining = async () => (await call('GET', '/api/v1/credits', key(t.orgKey))).body.remaining as number;
    const failing = await defineFlow(t, {
      name: `Charged ${randomUUID().slice(0, 6)}`,
      steps: [{ type: 'query', id: 'rows', entity: 'actions' }, { type: 'delay', ms: 1000, when: '$input.body.slow' }, { type: 'error', message: 'no thanks', when: '$input.body.fail' }],
    });
    const before = await remaining();
    for (const [query, body, status] of [['', { fail: true }, 500], ['?timeout=300', { slow: true }, 504]] as const) {
      const res = await trigger('Tests', failing.name, { headers: key(t.orgKey), query, body });
      expect(res.status).toBe(status);
      expect([res.headers.get('x-credits-cost'), res.headers.get('x-credits-remaining')]).toEqual(['0', String(before)]);
    }
    expect(await remaining()).toBe(before);
    const kept = await trigger('Tests', failing.name, { headers: key(t.orgKey), body: {} });
    expect([kept.status, kept.headers.get('x-credits-cost')]).toEqual([200, '1']);
    await eventually(async () => expect(await remaining()).toBe(before - 1));
  });

  it('says why a query step the query service refused failed (an entity the instance does not have), and charges nothing', async () => {
    const remaining = async () => (await call('GET', '/api/v1/credits', key(t.orgKey))).body.remaining as number;
    const typo = await defineFlow(t, { name: `Typo ${randomUUID().slice(0, 6)}`, steps: [{ type: 'query', id: 'rows', entity: 'actoins' }] });
    const before = await remaining();
    const res = await trigger('Tests', typo.name, { headers: key(t.orgKey) });
    expect([res.status, res.body.code, res.body.message]).toEqual([500, 'flow_failed', 'step 1 "rows" (query) failed: the query service answered 400: unknown entity actoins']);
    expect(res.headers.get('x-credits-cost')).toBe('0');
    expect(await remaining()).toBe(before);
  });

  it('charges a run’s queries to the key that triggered it, and answers an empty pool with 429 and Retry-After', async () => {
    const own = await createInstance();
    await defineAndLoad(own.orgKey, 'actions', [{ name: 'status', type: 'string' }], [{ id: 'a1', title: 'One', status: 'open' }]);
    expect((await call('PATCH', `/api/v1/operator/instances/${own.instanceId}`, operator(), { dailyCredits: 1 })).status).toBe(200);
    const flow = await defineFlow(own, { name: `Metered ${randomUUID().slice(0, 6)}`, steps: [{ type: 'query', entity: 'actions' }, { type: 'output', name: 'rows', from: '$last' }] });
    const served = await trigger('Tests', flow.name, { headers: key(own.orgKey) });
    expect([served.status, served.headers.get('x-credits-cost')]).toEqual([200, '1']);
    const { keyId } = (await call('GET', '/api/v1/auth/me', key(own.orgKey))).body;
    const usage = await call('GET', '/api/v1/credits/usage?groupBy=key', key(own.orgKey));
    expect(usage.body.usage).toEqual([{ keyId, credits: 1, requests: 1 }]);

    const refused = await trigger('Tests', flow.name, { headers: key(own.orgKey) });
    expect([refused.status, refused.body.code]).toEqual([429, 'credits_exhausted']);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect([refused.headers.get('x-credits-cost'), refused.headers.get('x-credits-remaining')]).toEqual(['0', '0']);
  });

  it('refuses http calls to private and loopback addresses unless allow-listed', async () => {
    const flow = await defineFlow(t, { name: `Http ${randomUUID().slice(0, 6)}`, steps: [{ type: 'http', method: 'GET', url: '$input.body.url' }] });
    const refusals: [string, RegExp][] = [
      ['http://127.0.0.1:9/', /refused: 127\.0\.0\.1 is a loopback address/],
      ['http://10.1.2.3/', /refused: 10\.1\.2\.3 is a private address/],
      ['http://169.254.169.254/latest/meta-data', /refused: 169\.254\.169\.254 is a link-local address/],
      ['http://localhost:9/', /refused: localhost resolves to a loopback address/],
      // The same addresses spelt otherwise: decimal, octal and hexadecimal IPv4, IPv6 and IPv4 in IPv6.
      ['http://2130706433:9/', /refused: 127\.0\.0\.1 is a loopback address/],
      ['http://0177.0.0.1:9/', /refused: 127\.0\.0\.1 is a loopback address/],
      ['http://0xa9fea9fe/latest/meta-data', /refused: 169\.254\.169\.254 is a link-local address/],
      ['http://0:9/', /refused: 0\.0\.0\.0 is an unspecified address/],
      ['http://[::1]:9/', /refused: ::1 is a loopback address/],
      ['http://[::ffff:127.0.0.1]:9/', /refused: ::ffff:7f00:1 is a loopback address/],
      ['http://[::ffff:a9fe:a9fe]/latest/meta-data', /refused: ::ffff:a9fe:a9fe is a link-local address/],
      ['http://[fd00:ec2::254]/latest/meta-data', /refused: fd00:ec2::254 is a unique-local address/],
    ];
    for (const [url, message] of refusals) {
      const res = await trigger('Tests', flow.name, { headers: key(t.orgKey), body: { url } });
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ code: 'flow_failed', message: expect.stringMatching(message) });
    }
  });
});
