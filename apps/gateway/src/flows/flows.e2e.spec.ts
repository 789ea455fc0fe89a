import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { request } from 'undici';
import { TOPICS } from '@tollgate/contracts';
import { api, collectMessages, e2ePlatform, eventually, testBrokers } from '@tollgate/testing';
import { bearer, call, createInstance, issue, type TestInstance } from '../identity/identity-e2e.fixture';
import { defineFlow, enc, key, pollUntil, run, trigger } from './flows-e2e.fixture';

jest.setTimeout(60_000);

describe('flows: definitions, triggers, outputs and timeouts', () => {
  let t: TestInstance;
  let kafka: Awaited<ReturnType<typeof collectMessages>>;
  beforeAll(async () => {
    t = await createInstance();
    kafka = await collectMessages(testBrokers(), [TOPICS.flows]);
  });
  afterAll(() => kafka.stop());

  const emitted = (processId: string) =>
    kafka.messages.map((m) => JSON.parse(m.value)).filter((e) => e.type === 'FlowEmitted' && e.data.processId === processId);

  it('validates a definition when it is saved, naming the step', async () => {
    const bad = [
      [{ type: 'teleport' }, 'steps.0.type', 'unknown step type'],
      [{ type: 'map', from: '$input.body', expr: '$$.(' }, 'steps.0.expr', 'bad JSONata expression'],
      [{ type: 'output', from: '$input.body' }, 'steps.0.name', 'name is required'],
      [{ type: 'delay', ms: 5, extra: true }, 'steps.0.extra', 'unknown field'],
    ] as const;
    for (const [step, field, message] of bad) {
      const res = await call('POST', '/api/v1/flows', key(t.orgKey), { app: 'Tests', name: `bad ${randomUUID()}`, steps: [step] });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, message: expect.stringContaining(message) })]));
      expect(res.body.errors[0].message).toContain('step 1');
    }
    expect((await call('GET', '/api/v1/flows', key(t.orgKey))).body.flows).toEqual([]);
  });

  it('publishes FlowDefined without where its http steps call nor what they send; the definition keeps them', async () => {
    const steps = [
      { type: 'http', method: 'POST', url: '"https://hooks.example.test/T000/B000/s3cr3t"', headers: '{"Authorization": "Bearer sk_live_s3cr3t"}', body: '{"text": "hi"}' },
      { type: 'output', name: 'out', from: '[1]' },
    ];
    const flow = await defineFlow(t, { name: `secretive ${randomUUID().slice(0, 6)}`, mode: 'sync', steps });
    const defined = await eventually(() => {
      const event = kafka.messages.map((m) => JSON.parse(m.value)).find((e) => e.type === 'FlowDefined' && e.data.flowId === flow.id);
      expect(event).toBeDefined();
      return event;
    });
    expect(defined.data.steps).toEqual([
      { type: 'http', method: 'POST', url: '[redacted]', headers: '[redacted]', body: '[redacted]' },
      { type: 'output', name: 'out', from: '[1]' },
    ]);
    expect(JSON.stringify(defined)).not.toContain('s3cr3t');
    const stored = await call('GET', `/api/v1/flows/${flow.id}`, key(t.orgKey));
    expect(stored.body.steps).toEqual(steps);
  });

  it('stores flows per app with unique names (spaces allowed) and returns their URLs', async () => {
    const flow = await defineFlow(t, { name: 'My API', steps: [{ type: 'output', name: 'echo', from: '$input.body' }] });
    expect(flow.urls.trigger).toMatch(/\/api\/1\/action\/Tests\/My%20API\/trigger$/);
    expect(flow.urls.poll).toContain('/api/1/action/Tests/My%20API/poll/');
    expect(flow.webhookToken).toBeTruthy();
    const again = await call('POST', '/api/v1/flows', key(t.orgKey), { app: 'Tests', name: 'My API', steps: [] });
    expect(again.status).toBe(409);
    const elsewhere = await call('POST', '/api/v1/flows', key(t.orgKey), { app: 'Other', name: 'My API', steps: [] });
    expect(elsewhere.status).toBe(201);
    const got = await call('GET', `/api/v1/flows/${flow.id}`, key(t.orgKey));
    expect(got.body).toMatchObject({ id: flow.id, name: 'My API', mode: 'sync' });
    expect(got.body.webhookToken).toBeUndefined();
    const put = await call('PUT', `/api/v1/flows/${elsewhere.body.id}`, key(t.orgKey), { app: 'Other', name: 'Renamed', steps: [] });
    expect(put.status).toBe(200);
    expect(put.body.version).toBe(2);
    expect((await call('DELETE', `/api/v1/flows/${elsewhere.body.id}`, key(t.orgKey))).status).toBe(204);
    expect((await call('GET', `/api/v1/flows/${elsewhere.body.id}`, key(t.orgKey))).status).toBe(404);
  });

  it('runs sync flows with GET and POST, on both URL forms, with the fixed inputs', async () => {
    const name = `Echo ${randomUUID().slice(0, 6)}`;
    await defineFlow(t, {
      name,
      steps: [
        { type: 'map', id: 'inputs', from: '$input', expr: '{"body": body, "contentType": contentType, "hasUrl": $contains(url, "trigger"), "custom": headers."x-custom", "host": headers.host}' },
        { type: 'output', name: 'echo', from: '$steps.inputs' },
      ],
    });
    const post = await trigger('Tests', name, { headers: { ...key(t.orgKey), 'x-custom': 'yes' }, body: { a: 1 } });
    expect(post.status).toBe(200);
    expect(post.body).toMatchObject({ status: 'success', data: { echo: [{ body: { a: 1 }, contentType: 'application/json', hasUrl: true, custom: 'yes' }] } });
    expect(post.body.data.echo[0].host).toBe(new URL(e2ePlatform().gatewayUrl).host);
    const text = await trigger('Tests', name, { headers: { ...key(t.orgKey), 'content-type': 'text/csv' }, rawBody: 'a;b\n1;2' });
    expect(text.body.data.echo[0]).toMatchObject({ body: 'a;b\n1;2', contentType: 'text/csv' });
    const get = await trigger('Tests', name, { method: 'GET', headers: key(t.orgKey) });
    expect(get.status).toBe(200);
    // A JSON body that is a JSON string stays that string.
    for (const sent of ['"hello"', '"{\\"a\\":1}"']) {
      const res = await trigger('Tests', name, { headers: { ...key(t.orgKey), 'content-type': 'application/json' }, rawBody: sent });
      expect([res.status, res.body.data?.echo[0].body]).toEqual([200, JSON.parse(sent)]);
    }
    // GET carries a body and its content type like POST (fetch sends none with GET, undici does).
    const url = `${e2ePlatform().gatewayUrl}/api/1/action/Tests/${enc(name)}/trigger`;
    for (const [contentType, sent, seen] of [['application/json', '{"q":1}', { q: 1 }], ['text/csv', 'a;b', 'a;b']] as const) {
      const res = await request(url, { method: 'GET', headers: { ...key(t.orgKey), 'content-type': contentType }, body: sent });
      expect(res.statusCode).toBe(200);
      expect(((await res.body.json()) as { data: { echo: unknown[] } }).data.echo[0]).toMatchObject({ body: seen, contentType });
    }
    const legacy = await api('POST', `${e2ePlatform().gatewayUrl}/api/1/action/${encodeURIComponent(name)}/trigger`, { headers: key(t.orgKey), body: { b: 2 } });
    expect(legacy.status).toBe(200);
    expect(legacy.body.data.echo[0].body).toEqual({ b: 2 });
  });

  it('hands a flow the same parsed body for GET and POST: JSON, JSON-based types (+json), forms, anything else as sent', async () => {
    const flow = await defineFlow(t, { name: `Bodies ${randomUUID().slice(0, 6)}`, steps: [{ type: 'output', name: 'got', from: '[{"body": $input.body, "type": $input.contentType}]' }] });
    const url = `${e2ePlatform().gatewayUrl}/api/1/action/Tests/${enc(flow.name)}/trigger`;
    const cases = [
      ['application/json', '{"a":1}', { a: 1 }],
      ['application/json', 'null', null],
      ['application/cloudevents+json; charset=utf-8', '{"specversion":"1.0"}', { specversion: '1.0' }],
      ['application/vnd.api+json', '[1,2]', [1, 2]],
      ['application/x-www-form-urlencoded', 'a=1&b=2&b=3', { a: '1', b: ['2', '3'] }],
      ['application/xml', '<a>1</a>', '<a>1</a>'],
    ] as const;
    for (const method of ['GET', 'POST'] as const) {
      for (const [type, sent, body] of cases) {
        const res = await request(url, { method, headers: { ...key(t.orgKey), 'content-type': type }, body: sent });
        const answer = (await res.body.json()) as { data?: { got: unknown[] } };
        expect({ method, type, status: res.statusCode, got: answer.data?.got }).toEqual({ method, type, status: 200, got: [{ body, type }] });
      }
      const malformed = await request(url, { method, headers: { ...key(t.orgKey), 'content-type': 'application/vnd.api+json' }, body: '{"a":' });
      expect({ method, status: malformed.statusCode, code: ((await malformed.body.json()) as { code: string }).code }).toEqual({ method, status: 400, code: 'validation_failed' });
    }
  });

  it('answers 400 when a connected output produced no record, raw attributes through a response step, and an error step message without a stack', async () => {
    const empty = await defineFlow(t, { name: `Empty ${randomUUID().slice(0, 6)}`, steps: [{ type: 'output', name: 'rows', from: '$input.body.rows' }] });
    const none = await trigger('Tests', empty.name, { headers: key(t.orgKey), body: { rows: [] } });
    expect(none.status).toBe(400);
    expect(none.body.message).toContain('Output "rows" produced no record');
    expect((await trigger('Tests', empty.name, { headers: key(t.orgKey), body: { rows: [{ x: 1 }] } })).body.data.rows).toEqual([{ x: 1 }]);

    const raw = await defineFlow(t, {
      name: `Raw ${randomUUID().slice(0, 6)}`,
      steps: [{ type: 'response', statusCode: 201, contentType: 'text/plain', headers: '{"X-Flow": "yes"}', body: '"hello " & $input.body.who' }],
    });
    const answer = await trigger('Tests', raw.name, { headers: key(t.orgKey), body: { who: 'world' } });
    expect(answer.status).toBe(201);
    expect(answer.text).toBe('hello world');
    expect(answer.headers.get('content-type')).toContain('text/plain');
    expect(answer.headers.get('x-flow')).toBe('yes');

    const failing = await defineFlow(t, { name: `Fail ${randomUUID().slice(0, 6)}`, steps: [{ type: 'error', message: 'Bad order number', when: '$input.body.n < 0' }, { type: 'output', name: 'ok', from: '[1]' }] });
    const failed = await trigger('Tests', failing.name, { headers: key(t.orgKey), body: { n: -1 } });
    expect(failed.status).toBe(500);
    expect(failed.body.code).toBe('flow_failed');
    expect(failed.body.message).toContain('Bad order number');
    expect(failed.text).not.toMatch(/at \w+ \(/);
    expect((await trigger('Tests', failing.name, { headers: key(t.orgKey), body: { n: 1 } })).status).toBe(200);
  });

  it('answers with the status and headers of a response step (not cookies or platform headers), without a body for 204 and 304', async () => {
    const raw = await defineFlow(t, {
      name: `Headers ${randomUUID().slice(0, 6)}`,
      steps: [
        {
          type: 'response',
          statusCode: '$input.body.status',
          headers: '{"X-Foo": "1", "Access-Control-Allow-Origin": "https://app.example", "Link": "<https://example.com/p2>; rel=next", "Set-Cookie": "s=1", "X-Request-Id": "mine", "X-Custom": $input.body.custom}',
          body: '"hello"',
        },
      ],
    });
    const answer = (body: Record<string, unknown>) => trigger('Tests', raw.name, { headers: key(t.orgKey), body: { custom: 'c', ...body } });
    const ok = await answer({ status: 200 });
    expect([ok.status, ok.text]).toEqual([200, 'hello']);
    expect(ok.headers.get('x-foo')).toBe('1');
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(ok.headers.get('link')).toBe('<https://example.com/p2>; rel=next');
    expect(ok.headers.get('set-cookie')).toBeNull();
    expect(ok.headers.get('x-request-id')).not.toBe('mine');
    for (const status of [204, 304]) {
      const started = Date.now();
      const empty = await answer({ status });
      expect([empty.status, empty.text, empty.headers.get('x-foo')]).toEqual([status, '', '1']);
      expect(Date.now() - started).toBeLessThan(3000);
    }

    // What the caller gets and what the run records agree: a refused answer is a failed run.
    for (const [body, message] of [
      [{ status: 103 }, 'statusCode must be an HTTP status from 200 to 599 (got 103)'],
      [{ status: 200, custom: 'a\r\nx-injected: 1' }, 'header "X-Custom"'],
    ] as const) {
      const refused = await answer(body);
      expect([refused.status, refused.body.code]).toEqual([500, 'flow_failed']);
      expect(refused.body.message).toContain(message);
      expect((await run(t, refused.headers.get('x-flow-process-id')!)).body.status).toBe('failed');
    }
    const interim = await call('POST', '/api/v1/flows', key(t.orgKey), { app: 'Tests', name: `Interim ${randomUUID().slice(0, 6)}`, steps: [{ type: 'response', statusCode: 101 }] });
    expect(interim.status).toBe(400);
    expect(interim.body.errors).toEqual([expect.objectContaining({ field: 'steps.0.statusCode', message: expect.stringContaining('200 to 599') })]);
  });

  it('times out with 504 from the URL timeout, then the flow timeout, and really stops the work', async () => {
    const marker = randomUUID();
    const slow = await defineFlow(t, { name: `Slow ${marker.slice(0, 6)}`, timeoutMs: 300, steps: [{ type: 'delay', ms: 1200 }, { type: 'emit', event: 'after.delay', data: '{"m": "x"}' }] });
    const byFlow = await trigger('Tests', slow.name, { headers: key(t.orgKey) });
    expect(byFlow.status).toBe(504);
    expect(byFlow.body.code).toBe('timeout');
    expect(byFlow.body.message).toContain('300 ms');
    const abortedId = byFlow.headers.get('x-flow-process-id')!;
    const byUrl = await trigger('Tests', slow.name, { headers: key(t.orgKey), query: '?timeout=100' });
    expect(byUrl.status).toBe(504);
    expect(byUrl.body.message).toContain('100 ms');
    // The URL may also give more time than the flow's own timeout.
    const longer = await trigger('Tests', slow.name, { headers: key(t.orgKey), query: '?timeout=5000' });
    expect(longer.status).toBe(200);
    const sentinel = longer.headers.get('x-flow-process-id')!;
    await eventually(() => expect(emitted(sentinel)).toHaveLength(1));
    // The sentinel waited as long as the aborted runs would have: their emit step never ran.
    expect(emitted(abortedId)).toHaveLength(0);
    const record = (await run(t, abortedId)).body;
    expect(record).toMatchObject({ status: 'aborted', error: { code: 'timeout' } });
  });

  it('stops a busy expression at the timeout while other flows are served', async () => {
    const busy = await defineFlow(t, { name: `Busy ${randomUUID().slice(0, 6)}`, steps: [{ type: 'debug', expr: '$count($map([1..10000000], function($v){$v*2}))' }] });
    const quick = await defineFlow(t, { name: `Quick ${randomUUID().slice(0, 6)}`, steps: [{ type: 'output', name: 'ok', from: '[1]' }] });
    const started = Date.now();
    const answers: string[] = [];
    // Long enough that the quick flow is answered first even on a busy machine, unless the busy
    // expression holds the whole service (then nothing answers before it ends, some 30 s later).
    const stopped = trigger('Tests', busy.name, { headers: key(t.orgKey), query: '?timeout=2000' }).then((res) => (answers.push('busy'), res));
    await new Promise((r) => setTimeout(r, 50));
    const served = await trigger('Tests', quick.name, { headers: key(t.orgKey) });
    answers.push('quick');
    expect(served.status).toBe(200);
    const res = await stopped;
    expect([res.status, res.body.code]).toEqual([504, 'timeout']);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(answers).toEqual(['quick', 'busy']);
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
    const slow = await timed('', { slow: true, items: [1, 2] });
    expect(slow.res.status).toBe(202);
    expect(slow.res.body).toEqual({ processId: expect.stringMatching(/^run_/), status: 'running' });
    expect(slow.ms).toBeGreaterThanOrEqual(450); // the default wait: 500 ms
    expect(slow.ms).toBeLessThan(1100);
    const first = await api('GET', `${e2ePlatform().gatewayUrl}/api/1/action/Tests/${encodeURIComponent(flow.name)}/poll/${slow.res.body.processId}`, { headers: key(t.orgKey) });
    expect(first.body.status).toBe('running');
    expect((await pollUntil(t, 'Tests', flow.name, slow.res.body.processId, 'success')).data).toEqual({ out: [1, 2] });

    // A short URL timeout answers sooner and does not stop the run.
    const soon = await timed('?timeout=50', { slow: true, items: [3] });
    expect([soon.res.status, soon.res.body.status]).toEqual([202, 'running']);
    expect(soon.ms).toBeLessThan(450);
    expect((await pollUntil(t, 'Tests', flow.name, soon.res.body.processId, 'success')).data).toEqual({ out: [3] });

    const quick = await timed('', { items: [4] });
    expect(quick.res.status).toBe(202);
    expect(quick.res.body).toEqual({ processId: expect.stringMatching(/^run_/), status: 'success', data: { out: [4] } });
    expect(quick.ms).toBeLessThan(450);
    const failing = await timed('', { fail: true });
    expect(failing.res.body).toMatchObject({ status: 'failed', error: { code: 'flow_failed', message: expect.stringContaining('asked to fail') } });
    expect((await pollUntil(t, 'Tests', flow.name, failing.res.body.processId, 'failed')).error.message).toContain('asked to fail');
    const unknown = await api('GET', `${e2ePlatform().gatewayUrl}/api/1/action/Tests/${encodeURIComponent(flow.name)}/poll/run_${randomUUID()}`, { headers: key(t.orgKey) });
    expect(unknown.status).toBe(404);
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

  it('returns the same process for the same Idempotency-Key', async () => {
    const flow = await defineFlow(t, { name: `Idem ${randomUUID().slice(0, 6)}`, mode: 'async', steps: [{ type: 'output', name: 'n', from: '[$input.body.n]' }] });
    const headers = { ...key(t.orgKey), 'idempotency-key': randomUUID() };
    const a = await trigger('Tests', flow.name, { headers, body: { n: 1 } });
    const b = await trigger('Tests', flow.name, { headers, body: { n: 2 } });
    expect(b.body.processId).toBe(a.body.processId);
    const c = await trigger('Tests', flow.name, { headers: { ...key(t.orgKey), 'idempotency-key': randomUUID() }, body: { n: 3 } });
    expect(c.body.processId).not.toBe(a.body.processId);
    expect((await pollUntil(t, 'Tests', flow.name, a.body.processId, 'success')).data).toEqual({ n: [1] });
    const runs = (await call('GET', `/api/v1/flows/${flow.id}/runs`, bearer(t.session))).body.runs;
    expect(runs).toHaveLength(2);

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
      const text = (await api('GET', `${e2ePlatform().urls.flows}/metrics`)).text;
      const value = (labels: string) => Number(new RegExp(`^tollgate_flow_runs_total\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
      return [value('status="success",code=""'), value('status="failed",code="flow_failed"'), value('status="aborted",code="timeout"')];
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
