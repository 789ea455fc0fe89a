import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { api, e2ePlatform, eventually, scrapeMetrics } from '@tollgate/testing';
import { bearer, call, createInstance, issue, type TestInstance } from '../identity/identity-e2e.fixture';
import { defineFlow, enc, key, pollUntil, run, trigger } from './flows-e2e.fixture';

jest.setTimeout(60_000);

describe('flow runs: async runs and polls, run lists, idempotency, hang-ups, metrics and logs', () => {
  let t: TestInstance;
  beforeAll(async () => {
    t = await createInstance();
  });

  it('runs async flows: 202 with the process id once the wait is over (the run goes on), or with the outcome of a run done by then; poll; unknown ids 404', async () => {
    const flow = await defineFlow(t, {
      name: `Async ${randomUUID().slice(0, 6)}`,
      mode: 'async',
      steps: [{ type: 'delay', ms: 1200, when: '$input.body.slow' }, { type: 'error', message: 'asked to fail', when: '$input.body.fail' }, { type: 'output', name: 'out', from: '$input.body.items' }],
    });
    const timed = async (query: string, body: Record<string, unknown>) => {
      const started = Date.now();
      const res = await trigger('Tests', flow.name, { headers: key(t.orgKey), query, body });
      return { res, ms: Date.now() - started };
    };
    // Over the default wait (500 ms), the run (1,200 ms) is still running when the 202 is sent.
    const slow = await timed('', { slow: true, items: [1, 2] });
    expect(slow.res.status).toBe(202);
    expect(slow.res.body).toEqual({ processId: expect.stringMatching(/^run_/), status: 'running' });
    expect(slow.ms).toBeGreaterThanOrEqual(450); // the wait was waited out
    expect((await pollUntil(t, 'Tests', flow.name, slow.res.body.processId, 'success')).data).toEqual({ out: [1, 2] });

    // A short URL timeout answers sooner than the default wait and does not stop the run.
    const soon = await timed('?timeout=50', { slow: true, items: [3] });
    expect([soon.res.status, soon.res.body.status]).toEqual([202, 'running']);
    expect(soon.ms).toBeLessThan(slow.ms);
    expect((await pollUntil(t, 'Tests', flow.name, soon.res.body.processId, 'success')).data).toEqual({ out: [3] });

    // A run done within the wait is answered with its outcome, without waiting the wait out.
    const quick = await timed('', { items: [4] });
    expect(quick.res.status).toBe(202);
    expect(quick.res.body).toEqual({ processId: expect.stringMatching(/^run_/), status: 'success', data: { out: [4] } });
    expect(quick.ms).toBeLessThan(slow.ms);
    const failing = await timed('', { fail: true });
    expect(failing.res.body).toMatchObject({ status: 'failed', error: { code: 'flow_failed', message: expect.stringContaining('asked to fail') } });
    expect((await pollUntil(t, 'Tests', flow.name, failing.res.body.processId, 'failed')).error.message).toContain('asked to fail');
    const unknown = await api('GET', `${e2ePlatform().gatewayUrl}/api/1/action/Tests/${encodeURIComponent(flow.name)}/poll/run_${randomUUID()}`, { headers: key(t.orgKey) });
    expect(unknown.status).toBe(404);
  });

  it('keeps answering a poll with the name the run started under after the flow is renamed or deleted, in its instance only', async () => {
    const name = `Before ${randomUUID().slice(0, 6)}`;
    const spec = { app: 'Tests', description: '', name, mode: 'async', allowAnonymous: true, steps: [{ type: 'delay', ms: 600 }, { type: 'output', name: 'n', from: '[$input.body.n]' }] };
    const flow = await defineFlow(t, spec);
    const base = e2ePlatform().gatewayUrl;
    const poll = (path: string, headers: Record<string, string> = key(t.orgKey)) => api('GET', `${base}/api/1/action/${path}`, { headers });
    const started = async (n: number) => {
      const res = await trigger('Tests', name, { headers: key(t.orgKey), body: { n }, query: '?timeout=10' });
      expect([res.status, res.body.status]).toEqual([202, 'running']);
      return res.body.processId as string;
    };

    const first = await started(1);
    const renamed = `After ${randomUUID().slice(0, 6)}`;
    expect((await call('PUT', `/api/v1/flows/${flow.id}`, key(t.orgKey), { ...spec, name: renamed })).status).toBe(200);
    for (const path of [`Tests/${enc(name)}/poll/${first}`, `${enc(name)}/poll/${first}`, `Tests/${enc(renamed)}/poll/${first}`]) {
      const polled = await eventually(async () => {
        const res = await poll(path);
        expect([res.status, res.body.status]).toEqual([200, 'success']);
        return res.body;
      });
      expect([path, polled.processId, polled.data]).toEqual([path, first, { n: [1] }]);
    }

    const second = await trigger('Tests', renamed, { headers: key(t.orgKey), body: { n: 2 }, query: '?timeout=10' });
    expect(second.status).toBe(202);
    expect((await call('DELETE', `/api/v1/flows/${flow.id}`, key(t.orgKey))).status).toBe(204);
    const anonymous = flow.urls.poll.replace('{processId}', second.body.processId); // the poll URL the flow was created with
    await eventually(async () => {
      for (const [url, headers] of [
        [`${base}/api/1/action/Tests/${enc(renamed)}/poll/${second.body.processId}`, key(t.orgKey)],
        [`${base}/api/1/action/Tests/${enc(name)}/poll/${second.body.processId}`, key(t.orgKey)],
        [anonymous, {}],
        [`${base}/api/1/action/Tests/${enc(renamed)}/poll/${second.body.processId}?token=${flow.webhookToken}`, {}],
      ] as const) {
        const res = await api('GET', url, { headers });
        expect([url, res.status, res.body.status, res.body.data]).toEqual([url, 200, 'success', { n: [2] }]);
      }
    });
    expect((await poll(`Tests/${enc(name)}/poll/${first}`)).body.status).toBe('success');

    // Only in the run's own instance and app, and under a name its flow had.
    const other = await createInstance();
    for (const [path, headers] of [
      [`Tests/${enc(name)}/poll/${first}`, key(other.orgKey)],
      [`Elsewhere/${enc(name)}/poll/${first}`, key(t.orgKey)],
      [`Tests/${enc(`Never ${name}`)}/poll/${first}`, key(t.orgKey)],
    ] as const) {
      expect([path, (await poll(path, headers)).status]).toEqual([path, 404]);
    }
  });

  it("answers 202 for an async run done within the wait with what its poll says, a response step's answer included", async () => {
    const flow = await defineFlow(t, { name: `Async raw ${randomUUID().slice(0, 6)}`, mode: 'async', steps: [{ type: 'response', statusCode: 201, contentType: 'application/xml', body: '"<ok/>"' }] });
    const accepted = await trigger('Tests', flow.name, { headers: key(t.orgKey), query: '?timeout=10000' });
    const polled = await pollUntil(t, 'Tests', flow.name, accepted.body.processId, 'success');
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({ processId: polled.processId, status: 'success', data: polled.data, response: polled.response });
    expect(polled.response).toEqual({ statusCode: 201, headers: {}, contentType: 'application/xml', body: '<ok/>' });
    // The API docs describe both answers with the fields they have.
    const { schemas } = (await api('GET', `${e2ePlatform().gatewayUrl}/api/docs-json`)).body.components;
    const fields = (name: string) => Object.keys(schemas[name].properties).sort();
    expect(fields('AcceptedRunDoc')).toEqual(Object.keys(accepted.body).concat('error').sort());
    expect(fields('PollDoc')).toEqual(expect.arrayContaining(Object.keys(polled)));
  });

  it('documents in the API docs the answers and parameters the flow routes really have', async () => {
    const docs = (await api('GET', `${e2ePlatform().gatewayUrl}/api/docs-json`)).body;
    const operation = (method: string, route: string) => docs.paths[route][method];
    const statuses = (method: string, route: string) => Object.keys(operation(method, route).responses);
    const parameters = (method: string, route: string) => operation(method, route).parameters.map((p: { name: string }) => p.name);

    // A name already taken in the app: 409 on create and on replace.
    const name = `Documented ${randomUUID().slice(0, 6)}`;
    const flow = await defineFlow(t, { name, allowAnonymous: true, mode: 'async', timeoutMs: 2000, steps: [{ type: 'output', name: 'n', from: '[1]' }] });
    const other = await defineFlow(t, { name: `${name} 2`, steps: [] });
    expect((await call('POST', '/api/v1/flows', key(t.orgKey), { app: 'Tests', name, steps: [] })).status).toBe(409);
    expect((await call('PUT', `/api/v1/flows/${other.id}`, key(t.orgKey), { app: 'Tests', name, steps: [] })).status).toBe(409);
    expect(statuses('post', '/api/v1/flows')).toContain('409');
    expect(statuses('put', '/api/v1/flows/{id}')).toContain('409');

    // The older path, for a name two apps use: 409.
    await defineFlow(t, { app: 'Elsewhere', name, steps: [] });
    expect((await api('POST', `${e2ePlatform().gatewayUrl}/api/1/action/${enc(name)}/trigger`, { headers: key(t.orgKey) })).status).toBe(409);
    for (const method of ['get', 'post']) {
      expect(statuses(method, '/api/1/action/{flow}/trigger')).toEqual(expect.arrayContaining(['409', '413', '429']));
      expect(statuses(method, '/api/1/action/{app}/{flow}/trigger')).toEqual(expect.arrayContaining(['413', '415', '429']));
    }

    // An anonymous caller polls with the instance its poll URL names.
    const accepted = await api('POST', flow.urls.trigger);
    expect(accepted.status).toBe(202);
    const poll = await api('GET', flow.urls.poll.replace('{processId}', accepted.body.processId));
    expect(poll.status).toBe(200);
    for (const route of ['/api/1/action/{app}/{flow}/poll/{processId}', '/api/1/action/{flow}/poll/{processId}']) {
      expect(parameters('get', route)).toEqual(expect.arrayContaining(['instance', 'token']));
    }

    // A run as GET /api/v1/runs/:processId shows it: every field is described.
    const shown = await run(t, accepted.body.processId);
    const runFields = Object.keys(docs.components.schemas.RunDoc.properties);
    expect(Object.keys(shown.body).filter((field) => !runFields.includes(field))).toEqual([]);
  });

  it('refuses HEAD on trigger URLs without starting a run: HEAD must change nothing', async () => {
    const flow = await defineFlow(t, { name: `Head ${randomUUID().slice(0, 6)}`, steps: [{ type: 'output', name: 'n', from: '[1]' }] });
    for (const path of [`/api/1/action/Tests/${enc(flow.name)}/trigger`, `/api/1/action/${enc(flow.name)}/trigger`]) {
      const head = await api('HEAD', `${e2ePlatform().gatewayUrl}${path}`, { headers: key(t.orgKey) });
      expect([path, head.status, head.headers.get('allow'), head.headers.get('x-flow-process-id')]).toEqual([path, 405, 'GET, POST', null]);
    }
    expect((await trigger('Tests', flow.name, { method: 'GET', headers: key(t.orgKey) })).status).toBe(200);
    const runs = (await call('GET', `/api/v1/flows/${flow.id}/runs`, bearer(t.session))).body.runs;
    expect(runs).toHaveLength(1);
  });

  it('hands a flow every field of a form body, past the thousandth', async () => {
    const flow = await defineFlow(t, { name: `Form ${randomUUID().slice(0, 6)}`, steps: [{ type: 'output', name: 'got', from: '[$input.body.f1500, $input.body.f1]' }] });
    const form = new URLSearchParams(Array.from({ length: 1500 }, (_, i): [string, string] => [`f${i + 1}`, `v${i + 1}`])).toString();
    const res = await trigger('Tests', flow.name, { headers: { ...key(t.orgKey), 'content-type': 'application/x-www-form-urlencoded' }, rawBody: form });
    expect([res.status, res.body.data]).toEqual([200, { got: ['v1500', 'v1'] }]);
  });

  it('lists the most recent runs up to the limit asked, and refuses a limit that is not one', async () => {
    const flow = await defineFlow(t, { name: `Listed ${randomUUID().slice(0, 6)}`, steps: [{ type: 'output', name: 'n', from: '[$input.body.n]' }] });
    const started: string[] = [];
    for (const n of [1, 2, 3]) started.push((await trigger('Tests', flow.name, { headers: key(t.orgKey), body: { n } })).body.processId);
    const listed = await call('GET', `/api/v1/flows/${flow.id}/runs?limit=2`, key(t.orgKey));
    expect(listed.body.runs.map((r: { processId: string }) => r.processId)).toEqual([started[2], started[1]]);
    for (const limit of ['abc', '0', '-1', '1.5', '501']) {
      const res = await call('GET', `/api/v1/flows/${flow.id}/runs?limit=${limit}`, key(t.orgKey));
      expect({ limit, status: res.status, errors: res.body.errors }).toEqual({ limit, status: 400, errors: [{ field: 'limit', message: 'limit must be a whole number from 1 to 500' }] });
    }
    const twoLimits = await call('GET', `/api/v1/flows/${flow.id}/runs?limit=1&limit=2`, key(t.orgKey));
    expect([twoLimits.status, twoLimits.body.errors]).toEqual([400, [{ field: 'limit', message: 'limit must be given once' }]]);
    const twoApps = await call('GET', '/api/v1/flows?app=Tests&app=Other', key(t.orgKey));
    expect([twoApps.status, twoApps.body.errors]).toEqual([400, [{ field: 'app', message: 'app must be given once' }]]);
  });

  it('pages through every run of a flow, older ones too, and lists the runs of one status', async () => {
    const flow = await defineFlow(t, { name: `Paged ${randomUUID().slice(0, 6)}`, steps: [{ type: 'error', message: 'negative', when: '$input.body.n < 0' }, { type: 'output', name: 'n', from: '[$input.body.n]' }] });
    const started: string[] = [];
    for (const n of [1, -2, 3, 4, -5]) started.push((await trigger('Tests', flow.name, { headers: key(t.orgKey), body: { n } })).body.processId ?? '');
    const failedIds = (await call('GET', `/api/v1/flows/${flow.id}/runs`, key(t.orgKey))).body.runs.filter((r: { status: string }) => r.status === 'failed').map((r: { processId: string }) => r.processId);
    expect(failedIds).toHaveLength(2);

    const seen: string[] = [];
    let before: string | undefined;
    for (let page = 0; page < 5; page++) {
      const res = await call('GET', `/api/v1/flows/${flow.id}/runs?limit=2${before ? `&before=${before}` : ''}`, key(t.orgKey));
      expect(res.status).toBe(200);
      seen.push(...res.body.runs.map((r: { processId: string }) => r.processId));
      before = res.body.next;
      if (!before) break;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);

    const failed = await call('GET', `/api/v1/flows/${flow.id}/runs?status=failed`, key(t.orgKey));
    expect(failed.body.runs.map((r: { processId: string }) => r.processId)).toEqual(failedIds);
    expect(failed.body.next).toBeUndefined();
    const bad = await call('GET', `/api/v1/flows/${flow.id}/runs?status=done`, key(t.orgKey));
    expect([bad.status, bad.body.errors?.[0]?.field]).toEqual([400, 'status']);
    const elsewhere = await defineFlow(t, { name: `Unpaged ${randomUUID().slice(0, 6)}`, steps: [] });
    const foreign = await call('GET', `/api/v1/flows/${elsewhere.id}/runs?before=${seen[0]}`, key(t.orgKey));
    expect([foreign.status, foreign.body.errors?.[0]?.field]).toEqual([400, 'before']);
  });

  it('returns the same process for the same Idempotency-Key and body, and refuses the key with another body', async () => {
    const flow = await defineFlow(t, { name: `Idem ${randomUUID().slice(0, 6)}`, mode: 'async', steps: [{ type: 'output', name: 'n', from: '[$input.body.n]' }] });
    const headers = { ...key(t.orgKey), 'idempotency-key': randomUUID() };
    const a = await trigger('Tests', flow.name, { headers, body: { n: 1, tag: 'x' } });
    const b = await trigger('Tests', flow.name, { headers, body: { tag: 'x', n: 1 } }); // the same body, keys in another order
    expect(b.body.processId).toBe(a.body.processId);
    const reused = await trigger('Tests', flow.name, { headers, body: { n: 2, tag: 'x' } });
    expect([reused.status, reused.body.code]).toEqual([409, 'idempotency_key_reused']);
    const c = await trigger('Tests', flow.name, { headers: { ...key(t.orgKey), 'idempotency-key': randomUUID() }, body: { n: 3 } });
    expect(c.body.processId).not.toBe(a.body.processId);
    expect((await pollUntil(t, 'Tests', flow.name, a.body.processId, 'success')).data).toEqual({ n: [1] });
    const runs = (await call('GET', `/api/v1/flows/${flow.id}/runs`, bearer(t.session))).body.runs;
    expect(runs).toHaveLength(2);

    // The URL's parameters are input too (a flow reads them), whatever their order; how it is called (the wait) is not.
    const dated = { ...key(t.orgKey), 'idempotency-key': randomUUID() };
    const first = await trigger('Tests', flow.name, { headers: dated, query: '?date=2026-01-01&site=a', body: { n: 1 } });
    const again = await trigger('Tests', flow.name, { headers: dated, query: '?site=a&timeout=900&date=2026-01-01', body: { n: 1 } });
    expect(again.body.processId).toBe(first.body.processId);
    const otherDay = await trigger('Tests', flow.name, { headers: dated, query: '?date=2026-02-01&site=a', body: { n: 1 } });
    expect([otherDay.status, otherDay.body.code]).toEqual([409, 'idempotency_key_reused']);

    // The key is the caller's own: another caller sending it starts its own run and sees only that.
    const otherKey = await issue(t, { kind: 'organization', description: 'other caller', scopes: ['flows'] });
    const other = await trigger('Tests', flow.name, { headers: { ...key(otherKey.key), 'idempotency-key': headers['idempotency-key'] }, body: { n: 4 } });
    expect(other.body.processId).not.toBe(a.body.processId);
    expect((await pollUntil(t, 'Tests', flow.name, other.body.processId, 'success')).data).toEqual({ n: [4] });
  });

  it('aborts a sync run whose caller hangs up, unless the caller sent an Idempotency-Key: its retry gets the outcome', async () => {
    const flow = await defineFlow(t, { name: `Retried ${randomUUID().slice(0, 6)}`, steps: [{ type: 'delay', ms: 1500 }, { type: 'output', name: 'n', from: '[$input.body.n]' }] });
    const url = `${e2ePlatform().gatewayUrl}/api/1/action/Tests/${enc(flow.name)}/trigger`;
    const runs = async () => (await call('GET', `/api/v1/flows/${flow.id}/runs`, key(t.orgKey))).body.runs as { processId: string; status: string; error?: { message: string } }[];
    /** Starts the run, hangs up once it is running, and gives its process id. */
    const hangUp = async (headers: Record<string, string>, n: number, before: number) => {
      const caller = new AbortController();
      const call = fetch(url, { method: 'POST', headers: { ...key(t.orgKey), 'content-type': 'application/json', ...headers }, body: JSON.stringify({ n }), signal: caller.signal }).catch(() => undefined);
      const started = await eventually(async () => {
        const listed = await runs();
        expect(listed).toHaveLength(before + 1);
        return listed[0].processId;
      });
      caller.abort();
      await call;
      return started;
    };

    const gone = await hangUp({}, 1, 0);
    await eventually(async () => expect((await run(t, gone)).body).toMatchObject({ status: 'aborted', error: { message: 'The caller went away' } }));

    const idempotencyKey = randomUUID();
    const kept = await hangUp({ 'idempotency-key': idempotencyKey }, 2, 1);
    const retry = await trigger('Tests', flow.name, { headers: { ...key(t.orgKey), 'idempotency-key': idempotencyKey }, body: { n: 2 } });
    expect([retry.status, retry.body.processId, retry.body.data]).toEqual([200, kept, { n: [2] }]);
    expect((await runs()).map((r) => r.status)).toEqual(['success', 'aborted']);
  });

  it('runs a flow named "poll" from the trigger URL it is given, and refuses a repeated parameter with 400', async () => {
    const flow = await defineFlow(t, { name: 'poll', steps: [{ type: 'output', name: 'ok', from: '[$input.body.n ? $input.body.n : 0]' }] });
    expect(flow.urls.trigger).toMatch(/\/api\/1\/action\/Tests\/poll\/trigger$/);
    const got = await api('GET', flow.urls.trigger, { headers: key(t.orgKey) });
    expect([got.status, got.body.data]).toEqual([200, { ok: [0] }]);
    const posted = await api('POST', flow.urls.trigger, { headers: key(t.orgKey), body: { n: 5 } });
    expect(posted.body.data).toEqual({ ok: [5] });

    const triggerPath = '/api/1/action/Tests/poll/trigger';
    const pollPath = `/api/1/action/Tests/poll/poll/run_${randomUUID()}`;
    for (const [path, query, field] of [
      [triggerPath, '?token=a&token=b', 'token'],
      [triggerPath, '?timeout=5&timeout=6', 'timeout'],
      [pollPath, '?token=a&token=b', 'token'],
      [pollPath, '?instance=x&instance=y', 'instance'],
    ]) {
      const res = await api('GET', `${e2ePlatform().gatewayUrl}${path}${query}`, { headers: key(t.orgKey) });
      expect([path, query, res.status, res.body.code, res.body.errors?.[0].field]).toEqual([path, query, 400, 'validation_failed', field]);
    }
  });

  it('counts finished runs by status and error code on the flows service\'s metrics', async () => {
    const counts = async () => {
      const value = await scrapeMetrics(e2ePlatform().urls.flows);
      return [
        value('tollgate_flow_runs_total{status="success",code=""}'),
        value('tollgate_flow_runs_total{status="failed",code="flow_failed"}'),
        value('tollgate_flow_runs_total{status="aborted",code="timeout"}'),
      ];
    };
    const flow = await defineFlow(t, {
      name: `Counted ${randomUUID().slice(0, 6)}`,
      steps: [{ type: 'delay', ms: 2000, when: '$input.body.slow' }, { type: 'error', message: 'no', when: '$input.body.fail' }, { type: 'output', name: 'ok', from: '[1]' }],
    });
    const before = await counts();
    const statuses = [];
    for (const [query, body] of [['', {}], ['', {}], ['', { fail: true }], ['?timeout=200', { slow: true }]] as const) {
      statuses.push((await trigger('Tests', flow.name, { headers: key(t.orgKey), query, body })).status);
    }
    expect(statuses).toEqual([200, 200, 500, 504]);
    await eventually(async () => expect((await counts()).map((n, i) => n - before[i])).toEqual([2, 1, 1]));
  });

  it('logs a run its own logic failed as one request line, not as a platform error', async () => {
    const flow = await defineFlow(t, { name: `Refuses ${randomUUID().slice(0, 6)}`, steps: [{ type: 'error', message: 'order not found' }] });
    const failed = await trigger('Tests', flow.name, { headers: key(t.orgKey), body: {} });
    expect([failed.status, failed.body.code]).toEqual([500, 'flow_failed']);
    const linesOf = () =>
      fs.readFileSync(path.join(process.env.E2E_LOG_DIR!, 'flows.log'), 'utf8').split('\n').filter((l) => l.includes(failed.body.requestId));
    const lines = await eventually(async () => {
      const found = linesOf();
      expect(found.length).toBeGreaterThan(0);
      return found;
    });
    expect(lines.map((l) => [JSON.parse(l).level, JSON.parse(l).msg])).toEqual([[40, 'request failed']]);
  });
});
