import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { request } from 'undici';
import { TOPICS } from '@tollgate/contracts';
import { api, collectMessages, e2ePlatform, eventually, testBrokers } from '@tollgate/testing';
import { call, createInstance, type TestInstance } from '../identity/identity-e2e.fixture';
import { defineFlow, enc, key, run, trigger } from './flows-e2e.fixture';

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
    // A definition sent as text is no definition (as on every JSON route), nor is a list.
    const text = await api('POST', `${e2ePlatform().gatewayUrl}/api/v1/flows`, {
      headers: { ...key(t.orgKey), 'content-type': 'text/plain' },
      rawBody: JSON.stringify({ app: 'Tests', name: 'as text', steps: [] }),
    });
    expect([text.status, text.body.errors]).toEqual([400, [{ field: 'body', message: 'must be a JSON object, sent with Content-Type: application/json' }]]);
    const list = await call('POST', '/api/v1/flows', key(t.orgKey), [{ app: 'Tests' }]);
    expect([list.status, list.body.errors]).toEqual([400, [{ field: 'body', message: 'must be a JSON object' }]]);
  });

  it('refuses an app or flow name that its own trigger URL could not reach (. and .. are path steps to every client)', async () => {
    for (const [app, name, field] of [['Tests', '..', 'name'], ['Tests', '.', 'name'], ['..', 'Fine', 'app'], ['.', 'Fine', 'app']]) {
      const res = await call('POST', '/api/v1/flows', key(t.orgKey), { app, name, steps: [] });
      expect({ app, name, status: res.status, fields: res.body.errors?.map((e: { field: string }) => e.field) }).toEqual({ app, name, status: 400, fields: [field] });
    }
    const dotted = await defineFlow(t, { name: `v1.2 ...${randomUUID().slice(0, 4)}`, allowAnonymous: true, steps: [{ type: 'output', name: 'ok', from: '[1]' }] });
    expect((await api('POST', dotted.urls.trigger)).status).toBe(200);
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

  it("publishes a run's events in order, each answering the trigger request and caused by the run's start", async () => {
    const flow = await defineFlow(t, { name: `Traced ${randomUUID().slice(0, 6)}`, steps: [{ type: 'emit', event: 'order.seen', data: '$input.body' }, { type: 'output', name: 'ok', from: '[1]' }] });
    const res = await trigger('Tests', flow.name, { headers: { ...key(t.orgKey), 'x-request-id': `req_traced_${randomUUID()}` }, body: { order: 7 } });
    expect(res.status).toBe(200);
    const events = await eventually(() => {
      const found = kafka.messages.map((m) => JSON.parse(m.value)).filter((e) => e.aggregateId === res.body.processId);
      expect(found.map((e) => e.type)).toEqual(['FlowRunStarted', 'FlowEmitted', 'FlowRunSucceeded']);
      return found;
    });
    const [started, ...later] = events;
    expect(events.map((e) => e.sequence)).toEqual([1, 2, 3]);
    expect(events.map((e) => e.correlationId)).toEqual(Array(3).fill(res.headers.get('x-request-id')));
    expect(later.map((e) => e.causationId)).toEqual([started.id, started.id]);
  });

  it('reaches a flow whose app and name are 100 characters outside the BMP at the trigger URL it was given', async () => {
    const flow = await defineFlow(t, { app: '📦'.repeat(100), name: '😀'.repeat(100), steps: [{ type: 'output', name: 'ok', from: '[1]' }] });
    const res = await api('GET', flow.urls.trigger, { headers: key(t.orgKey) });
    expect([res.status, res.body.data]).toEqual([200, { ok: [1] }]);
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
      // Text that is not UTF-8 is told so, in the same words as a plain JSON POST anywhere.
      const latin1 = await request(url, { method, headers: { ...key(t.orgKey), 'content-type': 'application/vnd.api+json' }, body: Buffer.from('{"a":"Caf\xe9"}', 'latin1') });
      expect({ method, status: latin1.statusCode, answer: await latin1.body.json() }).toEqual({
        method,
        status: 400,
        answer: expect.objectContaining({ message: 'The body is not valid UTF-8', errors: [{ field: 'body', message: 'must be JSON encoded as UTF-8 (RFC 8259)' }] }),
      });
    }
  });

  it('reads a text body in the charset it names, and one that is not UTF-8 without a word on Content-Length', async () => {
    const flow = await defineFlow(t, { name: `Charsets ${randomUUID().slice(0, 6)}`, steps: [{ type: 'output', name: 'got', from: '[$input.body]' }] });
    const url = `${e2ePlatform().gatewayUrl}/api/1/action/Tests/${enc(flow.name)}/trigger`;
    const latin1 = Buffer.from('Café crème', 'latin1');
    const cases = [
      ['text/plain; charset=iso-8859-1', latin1, 'Café crème'],
      ['application/xml; charset="windows-1252"', Buffer.from('<a>Caf\xe9</a>', 'latin1'), '<a>Café</a>'],
      // 0x80-0x9F: the euro sign and curly quotes of windows-1252, also under the Latin-1 label (as browsers read it)
      ['text/plain; charset=windows-1252', Buffer.from([0x93, 0x34, 0x32, 0x80, 0x94]), '\u201c42€\u201d'],
      ['text/plain; charset=ISO-8859-1', Buffer.from([0x91, 0x6f, 0x6b, 0x92, 0x20, 0x96, 0x20, 0xe9]), '\u2018ok\u2019 \u2013 é'],
      ['text/plain', latin1, 'Caf\ufffd cr\ufffdme'],
      ['text/csv; charset=utf-8', Buffer.from('a;é'), 'a;é'],
    ] as const;
    for (const method of ['GET', 'POST'] as const) {
      for (const [type, sent, seen] of cases) {
        const res = await request(url, { method, headers: { ...key(t.orgKey), 'content-type': type }, body: sent });
        const answer = (await res.body.json()) as { data?: { got: unknown[] }; message?: string };
        expect({ method, type, status: res.statusCode, got: answer.data?.got ?? answer.message }).toEqual({ method, type, status: 200, got: [seen] });
      }
    }
  });

  it('refuses a body nested too deeply or holding NUL alike for GET and POST, with 400 and not 500', async () => {
    const flow = await defineFlow(t, { name: `Deep ${randomUUID().slice(0, 6)}`, steps: [{ type: 'output', name: 'ok', from: '[1]' }] });
    const url = `${e2ePlatform().gatewayUrl}/api/1/action/Tests/${enc(flow.name)}/trigger`;
    const cases = [
      ['application/json', `${'['.repeat(5000)}${']'.repeat(5000)}`, 'The body is nested too deeply'],
      ['application/json', '{"a":"x\\u0000y"}', 'Validation failed'],
      ['application/x-www-form-urlencoded', 'a=x%00y', 'Validation failed'],
    ] as const;
    for (const method of ['GET', 'POST'] as const) {
      for (const [type, sent, message] of cases) {
        const res = await request(url, { method, headers: { ...key(t.orgKey), 'content-type': type }, body: sent });
        const answer = (await res.body.json()) as { code: string; message: string };
        expect({ method, type, status: res.statusCode, code: answer.code, message: answer.message }).toEqual({ method, type, status: 400, code: 'validation_failed', message });
      }
    }
    expect((await call('GET', `/api/v1/flows/${flow.id}/runs`, key(t.orgKey))).body.runs).toEqual([]);
  });

  it('answers a compressed body with 415 naming Content-Encoding, instead of misreading its bytes as text', async () => {
    const flow = await defineFlow(t, { name: `Gzip ${randomUUID().slice(0, 6)}`, steps: [{ type: 'output', name: 'got', from: '[$input.body]' }] });
    const url = `${e2ePlatform().gatewayUrl}/api/1/action/Tests/${enc(flow.name)}/trigger`;
    for (const [type, sent] of [['application/json', '{"a":1}'], ['text/plain', 'hello']] as const) {
      for (const method of ['GET', 'POST'] as const) {
        const res = await request(url, { method, headers: { ...key(t.orgKey), 'content-type': type, 'content-encoding': 'gzip' }, body: gzipSync(sent) });
        const answer = (await res.body.json()) as { code: string; errors: unknown };
        expect({ type, method, status: res.statusCode, code: answer.code, errors: answer.errors }).toEqual({
          type,
          method,
          status: 415,
          code: 'validation_failed',
          errors: [{ field: 'Content-Encoding', message: 'must be identity (gzip is not taken): send the body uncompressed' }],
        });
      }
    }
    expect((await call('GET', `/api/v1/flows/${flow.id}/runs`, key(t.orgKey))).body.runs).toEqual([]);
    const plain = await request(url, { method: 'POST', headers: { ...key(t.orgKey), 'content-type': 'text/plain', 'content-encoding': 'identity' }, body: 'hello' });
    expect([plain.statusCode, ((await plain.body.json()) as { data: unknown }).data]).toEqual([200, { got: ['hello'] }]);
  });

  it('takes an empty body sent as JSON or as a form as no body, as webhook pings and bodiless POSTs send it', async () => {
    const flow = await defineFlow(t, { name: `Ping ${randomUUID().slice(0, 6)}`, steps: [{ type: 'output', name: 'got', from: '[{"body": $input.body, "type": $input.contentType}]' }] });
    const url = `${e2ePlatform().gatewayUrl}/api/1/action/Tests/${enc(flow.name)}/trigger`;
    for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
      for (const method of ['GET', 'POST'] as const) {
        const res = await request(url, { method, headers: { ...key(t.orgKey), 'content-type': type }, body: '' });
        expect({ type, method, status: res.statusCode, answer: await res.body.json() }).toEqual({
          type,
          method,
          status: 200,
          answer: expect.objectContaining({ data: { got: [{ body: null, type }] } }),
        });
      }
    }
    const rotated = await request(`${e2ePlatform().gatewayUrl}/api/v1/flows/${flow.id}/token`, { method: 'POST', headers: { ...key(t.orgKey), 'content-type': 'application/json' } });
    expect(rotated.statusCode).toBe(200);
    expect(((await rotated.body.json()) as { webhookToken: string }).webhookToken).toMatch(/^wh_/);
  });

  it('answers 400 when a connected output produced no record, raw attributes through a response step, and an error step message without a stack', async () => {
    const empty = await defineFlow(t, { name: `Empty ${randomUUID().slice(0, 6)}`, steps: [{ type: 'output', name: 'rows', from: '$input.body.rows' }] });
    const none = await trigger('Tests', empty.name, { headers: key(t.orgKey), body: { rows: [] } });
    expect(none.status).toBe(400);
    expect(none.body.message).toContain('Output "rows" produced no record');
    // Like every validation error, it names what is wrong.
    expect(none.body.errors).toEqual([{ field: 'data.rows', message: 'produced no record' }]);
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

  it("says where an expression failed without quoting the caller's data, to the caller, in the run and in FlowRunFailed", async () => {
    // Not hex at the end: JSONata's $number reads a string ending in "0b" and binary digits as NaN.
    const secret = `SECRET-${randomUUID()}-card`;
    for (const [step, said] of [
      [{ type: 'output', name: 'n', from: '[$number($input.body.card)]' }, /^step 1 \(output\) failed: from: Unable to cast value to a number: a string \(at position \d+\)$/],
      [{ type: 'output', name: 'n', from: '[$input.body.card < 5]' }, /failed: from: The values a string and a number either side of operator "<" must be of the same data type/],
      [{ type: 'map', from: '[$input.body]', expr: '$toMillis(card)' }, /failed: expr, record 1: The argument of the toMillis function must be an ISO 8601 formatted timestamp\. Given a string/],
      [{ type: 'output', name: 'n', from: '[$eval($input.body.card & " +")]' }, /failed: from: Syntax error in expression passed to function eval: a string/],
      [{ type: 'ics', from: '[$input.body]', title: '"Meeting"', start: 'card' }, /failed: start must evaluate to a date or date-time \(got a string\)/],
    ] as const) {
      const flow = await defineFlow(t, { name: `Quiet ${randomUUID().slice(0, 6)}`, steps: [step] });
      const res = await trigger('Tests', flow.name, { headers: key(t.orgKey), body: { card: secret } });
      expect([res.status, res.body.code, res.body.message]).toEqual([500, 'flow_failed', expect.stringMatching(said)]);
      const processId = res.headers.get('x-flow-process-id')!;
      const stored = await run(t, processId);
      expect([stored.body.status, stored.body.error.message]).toEqual(['failed', res.body.message]);
      const failed = await eventually(() => {
        const event = kafka.messages.map((m) => JSON.parse(m.value)).find((e) => e.type === 'FlowRunFailed' && e.aggregateId === processId);
        expect(event).toBeDefined();
        return event;
      });
      expect(failed.data.reason).toContain(res.body.message);
      for (const [where, text] of [['answer', res.text], ['run', stored.text], ['FlowRunFailed', JSON.stringify(failed)]]) {
        expect([flow.name, where, text.includes(secret)]).toEqual([flow.name, where, false]);
      }
    }
  });

  it("answers with the content type a response step's headers compute, unless its contentType field names one", async () => {
    const computed = await defineFlow(t, {
      name: `Typed ${randomUUID().slice(0, 6)}`,
      steps: [{ type: 'response', headers: '{"Content-Type": $input.body.type}', body: '$input.body.page' }],
    });
    const html = await trigger('Tests', computed.name, { headers: key(t.orgKey), body: { type: 'text/html; charset=utf-8', page: '<h1>Hi</h1>' } });
    expect([html.status, html.headers.get('content-type'), html.text]).toEqual([200, 'text/html; charset=utf-8', '<h1>Hi</h1>']);
    const api = await trigger('Tests', computed.name, { headers: key(t.orgKey), body: { type: 'application/vnd.api+json', page: { data: [] } } });
    expect([api.headers.get('content-type'), api.text]).toEqual([expect.stringMatching(/^application\/vnd\.api\+json(; charset=utf-8)?$/), '{"data":[]}']);

    const named = await defineFlow(t, {
      name: `Named ${randomUUID().slice(0, 6)}`,
      steps: [{ type: 'response', contentType: 'text/csv', headers: '{"Content-Type": "text/html"}', body: '"a,b"' }],
    });
    const csv = await trigger('Tests', named.name, { headers: key(t.orgKey) });
    expect([csv.headers.get('content-type'), csv.text]).toEqual(['text/csv', 'a,b']);
    expect((await run(t, csv.headers.get('x-flow-process-id')!)).body.messages.map((m: { text: string }) => m.text)).toContain(
      'header Content-Type left out: the step names its contentType',
    );
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
      [{ status: 103 }, 'statusCode must be an HTTP status from 200 to 599 (got a number)'],
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
});
