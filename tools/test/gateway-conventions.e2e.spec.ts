import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { ALL_TOPICS, TOPICS } from '@tollgate/contracts';
import { api, collectMessages, e2ePlatform, eventually, launchBrowser, testBrokers } from '@tollgate/testing';
import { createInstance } from '../../apps/gateway/src/identity/identity-e2e.fixture';
import { as, defineAndLoad } from '../../apps/gateway/src/query/query-e2e.fixture';

const { gatewayUrl } = e2ePlatform();

describe('gateway conventions (API.md)', () => {
  it('answers an unknown route with the documented 404 shape and a request id', async () => {
    const res = await api('GET', `${gatewayUrl}/api/v1/no-such-thing`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      status: 'error',
      code: 'not_found',
      message: 'Not found',
      requestId: res.headers.get('x-request-id'),
    });
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('answers a known path asked with a method it does not take with 405 and the methods it takes', async () => {
    const cases: [string, string, string][] = [
      ['DELETE', '/api/v1/query.csv', 'GET'], // HEAD is not offered: it would charge for an answer with no body
      ['PUT', '/api/v1/entities/actions', 'GET'],
      ['DELETE', '/api/1/action/crm/sync/trigger', 'GET, POST'],
      ['GET', '/api/v1/auth/logout', 'POST'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await api(method, `${gatewayUrl}${path}`);
      expect([method, path, res.status, res.headers.get('allow')]).toEqual([method, path, 405, allow]);
      expect(res.body).toEqual({
        status: 'error',
        code: 'method_not_allowed',
        message: `${method} is not allowed here; use ${allow}`,
        requestId: res.headers.get('x-request-id'),
      });
    }
  });

  it('echoes the client request id', async () => {
    const res = await api('GET', `${gatewayUrl}/health`, { headers: { 'x-request-id': 'client-chosen.42' } });
    expect(res.headers.get('x-request-id')).toBe('client-chosen.42');
  });

  it('replaces a request id that is not a sane token', async () => {
    const res = await api('GET', `${gatewayUrl}/health`, { headers: { 'x-request-id': 'x'.repeat(300) } });
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('answers malformed JSON with 400 validation_failed', async () => {
    const res = await api('POST', `${gatewayUrl}/api/v1/auth/login`, {
      rawBody: '{"broken": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('answers a body sent where no route is 404, whatever the body', async () => {
    const res = await api('POST', `${gatewayUrl}/api/v1/anything`, { rawBody: '{"broken": ', headers: { 'content-type': 'application/json' } });
    expect([res.status, res.body.code]).toEqual([404, 'not_found']);
  });

  it('says a JSON body is expected when one comes with another content type', async () => {
    const res = await api('POST', `${gatewayUrl}/api/v1/auth/login`, {
      rawBody: '{"instance":"demo","email":"a@b.test","password":"x"}',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'validation_failed', message: 'The body must be a JSON object', errors: [{ field: 'body', message: expect.stringMatching(/application\/json/) }] });
    // A JSON string is JSON, just not the object expected: the answer must not say otherwise.
    const jsonString = await api('POST', `${gatewayUrl}/api/v1/auth/login`, { rawBody: '"demo"', headers: { 'content-type': 'application/json' } });
    expect([jsonString.status, jsonString.body.message]).toEqual([400, 'The body must be a JSON object']);
  });

  it('says which field is missing, which is unknown, and when the body is not an object at all', async () => {
    const { orgKey } = await createInstance();
    const refused = async (body: unknown) => {
      const res = await as(orgKey, 'POST', '/api/v1/keys', body);
      expect(res.status).toBe(400);
      return res.body.errors;
    };
    expect(await refused({ kind: 'data' })).toEqual([{ field: 'description', message: 'description is required' }]);
    expect(await refused({ kind: 'data', description: 'x', colour: 'red' })).toEqual([{ field: 'colour', message: 'unknown field colour' }]);
    expect(await refused([1, 2])).toEqual([{ field: 'body', message: 'must be a JSON object' }]);
    const res = await as(orgKey, 'GET', '/api/v1/query?entities=actions&colour=red');
    expect([res.status, res.body.errors]).toEqual([400, [{ field: 'colour', message: 'unknown parameter colour' }]]);
  });

  it('refuses a parameter a route does not take, but not a credential or a flow trigger\'s input', async () => {
    const t = await createInstance();
    const typo = await as(t.orgKey, 'GET', '/api/v1/keys?status=active');
    expect([typo.status, typo.body.code, typo.body.errors]).toEqual([400, 'validation_failed', [{ field: 'status', message: 'unknown parameter status' }]]);
    expect((await api('GET', `${e2ePlatform().gatewayUrl}/api/v1/keys?access_token=${t.orgKey}`)).status).toBe(200);
    expect((await as(t.orgKey, 'GET', '/api/v1/credits?x=1')).status).toBe(400);
    const flow = await as(t.orgKey, 'POST', '/api/v1/flows', { app: 'Conv', name: 'echo', description: '', mode: 'sync', steps: [{ type: 'output', name: 'url', from: '[$input.url]' }] });
    expect(flow.status).toBe(201);
    const triggered = await as(t.orgKey, 'GET', '/api/1/action/Conv/echo/trigger?customer=42');
    expect(triggered.status).toBe(200);
    expect(triggered.body.data.url[0]).toContain('customer=42');
  });

  it('refuses a body nested too deeply on every route family, with 400 and nothing run', async () => {
    const t = await createInstance();
    await defineAndLoad(t.orgKey, 'notes', [{ name: 'body', type: 'string' }], [{ id: 'n1', title: 'First', body: 'hello' }]);
    const flow = await as(t.orgKey, 'POST', '/api/v1/flows', { app: 'Deep', name: 'echo', description: '', mode: 'sync', steps: [{ type: 'output', name: 'got', from: '[$input.body]' }] });
    const deep = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    const routes = ['/api/v1/keys', '/api/v1/entities/notes/batch', '/api/v1/entities/notes/aggregate', '/api/v1/query-builder', '/graphql', '/api/v1/flows', '/api/1/action/Deep/echo/trigger', '/api/v1/auth/login'];
    for (const route of routes) {
      for (const body of [deep(5000), `{"x":${'['.repeat(65)}${']'.repeat(65)}}`]) {
        const res = await api('POST', `${gatewayUrl}${route}`, { rawBody: body, headers: { 'content-type': 'application/json', 'x-api-key': t.orgKey } });
        expect({ route, status: res.status, body: res.body }).toEqual({
          route,
          status: 400,
          body: {
            status: 'error',
            code: 'validation_failed',
            message: 'The body is nested too deeply',
            requestId: res.headers.get('x-request-id'),
            errors: [{ field: 'body', message: 'must not nest arrays and objects more than 64 levels deep' }],
          },
        });
      }
    }
    expect((await as(t.orgKey, 'GET', `/api/v1/flows/${flow.body.id}/runs`)).body.runs).toEqual([]);
    // Nesting up to the limit is a body like any other.
    const allowed = await as(t.orgKey, 'POST', '/api/1/action/Deep/echo/trigger', JSON.parse(deep(63)));
    expect(allowed.status).toBe(200);
  });

  it('refuses a JSON body that is not UTF-8, storing nothing, rather than replacing what it cannot read', async () => {
    const t = await createInstance();
    await defineAndLoad(t.orgKey, 'cafes', [{ name: 'name', type: 'string' }], []);
    const latin1 = Buffer.from('{"operations":[{"action":"insert","rows":[{"id":"c1","title":"Caf\xe9","name":"Caf\xe9"}]}]}', 'latin1');
    const res = await fetch(`${gatewayUrl}/api/v1/entities/cafes/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': t.orgKey },
      body: latin1,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      status: 'error',
      code: 'validation_failed',
      message: 'The body is not valid UTF-8',
      requestId: res.headers.get('x-request-id'),
      errors: [{ field: 'body', message: 'must be JSON encoded as UTF-8 (RFC 8259)' }],
    });
    expect((await as(t.orgKey, 'GET', '/api/v1/query?entities=cafes')).body.data.cafes).toEqual([]);
    // The same text in UTF-8, with a charset said or not, is stored as sent.
    const utf8 = await api('POST', `${gatewayUrl}/api/v1/entities/cafes/batch`, {
      rawBody: latin1.toString('latin1'),
      headers: { 'content-type': 'application/json; charset=utf-8', 'x-api-key': t.orgKey },
    });
    expect(utf8.status).toBe(200);
    expect((await as(t.orgKey, 'GET', '/api/v1/query?entities=cafes')).body.data.cafes[0].name).toBe('Café');
  });

  it('answers every oversized body with 413 payload_too_large, however it is sent, not a broken pipe', async () => {
    const body = JSON.stringify({ blob: 'x'.repeat(11 * 1024 * 1024) });
    const chunked = () => {
      const bytes = Buffer.from(body);
      let at = 0;
      return new ReadableStream({ pull: (c) => (at >= bytes.length ? c.close() : c.enqueue(bytes.subarray(at, (at += 64 * 1024)))) });
    };
    // The client sends all of it while the gateway has already answered: 10 in a row, its length
    // announced or chunked, to a route that reads bodies (one no route takes is a 404 unread).
    for (let i = 0; i < 10; i++) {
      for (const payload of [body, chunked()]) {
        const res = await fetch(`${gatewayUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload, duplex: 'half' } as RequestInit);
        expect([res.status, await res.json()]).toEqual([413, expect.objectContaining({ status: 'error', code: 'payload_too_large' })]);
      }
    }
  });

  it('summarises every service in /health: up or down for anyone, what each checked for the operator', async () => {
    const res = await api('GET', `${gatewayUrl}/health`, { headers: { authorization: `Bearer ${e2ePlatform().operatorToken}` } });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.services).sort()).toEqual(['credits', 'flows', 'gateway', 'keys', 'query']);
    for (const s of ['keys', 'credits', 'query', 'flows']) {
      expect(res.body.services[s].details).toMatchObject({ database: { status: 'up' }, kafka: { status: 'up' } });
    }
    for (const authorization of [undefined, 'Bearer not-the-operator-token']) {
      const open = await api('GET', `${gatewayUrl}/health`, authorization ? { headers: { authorization } } : {});
      expect([open.status, open.body]).toEqual([
        200,
        { status: 'ok', services: { keys: { status: 'up' }, credits: { status: 'up' }, query: { status: 'up' }, flows: { status: 'up' }, gateway: { status: 'up' } } },
      ]);
    }
  });

  it('publishes the OpenAPI document and its viewer', async () => {
    const doc = await api('GET', `${gatewayUrl}/api/docs-json`);
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(doc.body.info.title).toBe('Tollgate API');
    // A valid OpenAPI 3 document, as a client generator would judge it (it is changed in place).
    await SwaggerParser.validate(structuredClone(doc.body));
    expect(doc.headers.get('content-type')).toBe('application/json; charset=utf-8');
    // Like every page the gateway serves: without a charset, a browser may guess another encoding.
    for (const path of ['/api/docs', '/api/docs/', '/api/docs/index.html']) {
      const page = await api('GET', `${gatewayUrl}${path}`);
      expect([path, page.status, page.headers.get('content-type')]).toEqual([path, 200, 'text/html; charset=utf-8']);
      expect(page.text).toContain('swagger');
    }
    const init = await api('GET', `${gatewayUrl}/api/docs/swagger-ui-init.js`);
    expect([init.status, init.headers.get('content-type')]).toEqual([200, 'application/javascript; charset=utf-8']);
  });

  it('shows every operation in the API docs viewer, in a real browser, with nothing fetched from elsewhere', async () => {
    const { paths } = (await api('GET', `${gatewayUrl}/api/docs-json`)).body;
    const operations = Object.entries(paths as Record<string, object>).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const elsewhere: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith(gatewayUrl) && !request.url().startsWith('data:')) elsewhere.push(request.url());
      });
      page.on('pageerror', (error) => elsewhere.push(error.message));
      await page.goto(`${gatewayUrl}/api/docs`);
      await page.waitForSelector('.opblock');
      // (An operation with two tags is shown under each.)
      const shown = await page.$$eval('.opblock', (blocks) =>
        blocks.map((b) => `${b.querySelector('.opblock-summary-method')?.textContent} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`),
      );
      expect([...new Set(shown)].sort()).toEqual([...new Set(operations)].sort());
      expect(await page.textContent('.title')).toContain('Tollgate API');
      expect(elsewhere).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('documents the errors each route can answer, in the one error shape', async () => {
    const { paths, components } = (await api('GET', `${gatewayUrl}/api/docs-json`)).body;
    const statuses = (path: string, method: string) => Object.keys(paths[path][method].responses).sort();
    // Metered: what metering adds (429 with Retry-After, 503, 504) and the balance headers on success.
    const query = paths['/api/v1/query'].get;
    expect(statuses('/api/v1/query', 'get')).toEqual(['200', '400', '401', '403', '429', '500', '503', '504']);
    expect(query.responses['429'].headers['Retry-After']).toBeDefined();
    expect(Object.keys(query.responses['200'].headers)).toEqual(['X-Credits-Cost', 'X-Credits-Remaining', 'X-Request-Id']);
    expect(Object.keys(query.responses['400'].headers)).toEqual(['X-Request-Id']);
    expect(query.security.map((s: object) => Object.keys(s)[0]).sort()).toEqual(['accessToken', 'apiKey', 'basic', 'bearer', 'keyParameter']);
    expect(components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque' });
    // A flow may allow anonymous calls: its trigger and poll routes take a credential, or none.
    for (const [path, method] of [['/api/1/action/{app}/{flow}/trigger', 'post'], ['/api/1/action/{flow}/poll/{processId}', 'get']]) {
      expect(paths[path][method].security).toContainEqual({});
    }
    expect(query.security).not.toContainEqual({});
    // The operator token travels as a Bearer token only, and a wrong caller is a 401.
    const createInstance = paths['/api/v1/operator/instances'].post;
    expect([createInstance.security, Object.keys(createInstance.responses)]).toEqual([[{ bearer: [] }], expect.not.arrayContaining(['403'])]);
    expect(query.responses['429'].description).toMatch(/^`credits_exhausted` \/ `rate_limited`: /);
    expect(query.responses['400'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ApiError' });
    expect(Object.keys(components.schemas.ApiError.properties)).toEqual(['status', 'code', 'message', 'requestId', 'errors']);
    // A body: 413; a path naming a thing: 404; free routes: no 429.
    expect(statuses('/api/v1/keys', 'post')).toEqual(expect.arrayContaining(['400', '401', '403', '413', '500']));
    expect(statuses('/api/v1/keys/{id}', 'delete')).toContain('404');
    expect(statuses('/api/v1/entities', 'get')).not.toContain('429');
    // Every trigger path and method: sync 200, async 202, a sync run over its timeout 504.
    for (const [path, method] of [['/api/1/action/{app}/{flow}/trigger', 'post'], ['/api/1/action/{flow}/trigger', 'get']]) {
      expect(statuses(path, method)).toEqual(expect.arrayContaining(['200', '202', '504']));
    }
  });

  it('documents a usable success answer for every API operation, and real answers match it', async () => {
    const doc = (await api('GET', `${gatewayUrl}/api/docs-json`)).body;
    const gaps: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      if (!path.startsWith('/api/') && !path.startsWith('/graphql')) continue;
      for (const [method, operation] of Object.entries(item)) {
        const name = `${method.toUpperCase()} ${path}`;
        const successes = Object.entries(operation.responses as Record<string, any>).filter(([status]) => /^2/.test(status));
        if (!successes.length) gaps.push(`${name}: no success answer`);
        for (const [status, response] of successes) {
          if (status !== '204' && !Object.values(response.content ?? {}).some((c: any) => c.schema)) gaps.push(`${name} ${status}: no content schema`);
        }
        for (const parameter of operation.parameters ?? []) if (!parameter.schema?.type) gaps.push(`${name}: parameter ${parameter.name} has no type`);
      }
    }
    expect(gaps).toEqual([]);
    // Numbers and flags typed as such, for the query string and the query builder's body alike.
    const queryParameter = (name: string) => doc.paths['/api/v1/query'].get.parameters.find((p: { name: string }) => p.name === name).schema.type;
    expect(['limit', 'timeout', 'mine'].map(queryParameter)).toEqual(['integer', 'integer', 'boolean']);
    // A POST trigger takes any body; a client generated from the document must be able to send one.
    expect(Object.keys(doc.paths['/api/1/action/{app}/{flow}/trigger'].post.requestBody.content)).toEqual(expect.arrayContaining(['application/json']));

    const ajv = addFormats(new Ajv({ strict: false }));
    ajv.addSchema(doc, 'openapi');
    const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
    const check = (path: string, method: string, res: { status: number; body: unknown; headers: Headers }) => {
      const type = res.headers.get('content-type')?.split(';')[0] ?? '';
      const valid = ajv.validate({ $ref: `openapi#/${pointer('paths', path, method, 'responses', String(res.status), 'content', type, 'schema')}` }, res.body);
      return [path, method, res.status, valid, ajv.errorsText()];
    };
    const t = await createInstance();
    const answers = [
      check('/api/v1/entities', 'post', await as(t.orgKey, 'POST', '/api/v1/entities', { name: 'tickets', primaryKey: 'id', fields: [{ name: 'open', type: 'boolean' }] })),
      check('/api/v1/entities/{name}/batch', 'post', await as(t.orgKey, 'POST', '/api/v1/entities/tickets/batch', { operations: [{ action: 'insert', rows: [{ id: 'k1', title: 'One', open: true }] }] })),
    ];
    const accepted = await as(t.orgKey, 'POST', '/api/v1/entities/tickets/batch', { async: true, operations: [{ action: 'insertOrUpdate', rows: [{ id: 'k2', title: 'Two', open: false }] }] });
    answers.push(check('/api/v1/entities/{name}/batch', 'post', accepted));
    const built = await as(t.orgKey, 'POST', '/api/v1/query-builder', { entities: 'tickets', limit: 5, mine: false });
    expect([built.status, built.body.url]).toEqual([200, expect.stringContaining('limit=5')]);
    await eventually(async () => expect((await as(t.orgKey, 'GET', `/api/v1/tasks/${accepted.body.taskId}`)).body.status).toBe('ok'));
    answers.push(
      check('/api/v1/tasks/{taskId}', 'get', await as(t.orgKey, 'GET', `/api/v1/tasks/${accepted.body.taskId}`)),
      check('/api/v1/entities', 'get', await as(t.orgKey, 'GET', '/api/v1/entities')),
      check('/api/v1/query', 'get', await as(t.orgKey, 'GET', '/api/v1/query?entities=tickets')),
      check('/api/v1/entities/{name}/aggregate', 'post', await as(t.orgKey, 'POST', '/api/v1/entities/tickets/aggregate', { select: [{ name: 'open' }, { name: 'id', agg: 'count' }], group_by: ['open'] })),
      check('/graphql', 'post', await as(t.orgKey, 'POST', '/graphql', { query: '{ tickets { id open } }' })),
      check('/api/v1/credits/usage', 'get', await as(t.orgKey, 'GET', '/api/v1/credits/usage?groupBy=key')),
    );
    const flow = await as(t.orgKey, 'POST', '/api/v1/flows', { app: 'Docs', name: 'echo', description: '', mode: 'sync', steps: [{ type: 'output', name: 'got', from: '[$input.body]' }] });
    answers.push(
      check('/api/1/action/{app}/{flow}/trigger', 'post', await as(t.orgKey, 'POST', '/api/1/action/Docs/echo/trigger', { hello: 'world' })),
      check('/api/v1/flows', 'get', await as(t.orgKey, 'GET', '/api/v1/flows')),
      check('/api/v1/flows/{id}/runs', 'get', await as(t.orgKey, 'GET', `/api/v1/flows/${flow.body.id}/runs`)),
    );
    for (const answer of answers) expect(answer).toEqual([answer[0], answer[1], answer[2], true, 'No errors']);
  });

  it('publishes the event catalogue as AsyncAPI 3.0, and the events on Kafka match it', async () => {
    const doc = await api('GET', `${gatewayUrl}/api/asyncapi.json`);
    expect(doc.status).toBe(200);
    expect(doc.body.asyncapi).toBe('3.0.0');
    expect(Object.keys(doc.body.channels).sort()).toEqual(ALL_TOPICS.sort()); // every topic and its dead-letter topic

    // Events as they really travel, from a little of everything: instance, users, keys, an entity, a query.
    const kafka = await collectMessages(testBrokers(), Object.values(TOPICS));
    try {
      const t = await createInstance();
      await defineAndLoad(t.orgKey, 'notes', [{ name: 'body', type: 'string' }], [{ id: 'n1', title: 'First', body: 'hello' }]);
      expect((await as(t.orgKey, 'GET', '/api/v1/query?entities=notes')).status).toBe(200);
      const ours = () => kafka.messages.map((m) => JSON.parse(m.value)).filter((e) => e.instanceId === t.instanceId);
      const expected = ['InstanceCreated', 'UserRegistered', 'KeyIssued', 'EntityTypeDefined', 'RecordsChanged', 'CreditsConsumed'];
      await eventually(() => expect(ours().map((e) => e.type)).toEqual(expect.arrayContaining(expected)));

      const ajv = addFormats(new Ajv({ strict: false }));
      ajv.addSchema(doc.body, 'asyncapi');
      for (const event of ours()) {
        const valid = ajv.validate({ $ref: `asyncapi#/components/messages/${event.type}.v${event.version}/payload` }, event);
        expect([event.type, valid, ajv.errorsText()]).toEqual([event.type, true, 'No errors']);
        // An event of a stream has its place in it; only those documented as outside any stream have 0.
        const outside = String(doc.body.components.messages[`${event.type}.v${event.version}`].description ?? '').includes('`sequence` is 0');
        expect([event.type, event.sequence === 0]).toEqual([event.type, outside]);
      }
    } finally {
      await kafka.stop();
    }
  });

  it('serves Prometheus metrics on every service', async () => {
    for (const [service, url] of Object.entries(e2ePlatform().urls)) {
      const res = await api('GET', `${url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.text).toContain('http_request_duration_seconds');
      // The outbox's series are the services' that have one: on the gateway a published count stuck at 0 would read as a stalled relay.
      const outboxSeries = res.text.match(/^tollgate_outbox_(backlog|published_total|commit_to_publish_seconds_count) /gm) ?? [];
      expect([service, outboxSeries.length]).toEqual([service, service === 'gateway' ? 0 : 3]);
    }
    // The gateway follows key deactivations on Kafka; how far behind it is shows from the broker's offsets.
    const gateway = await api('GET', `${gatewayUrl}/metrics`);
    expect(gateway.text).toMatch(new RegExp(`^tollgate_consumer_lag_messages\\{group="[^"]+",topic="${TOPICS.keys}"\\} \\d+$`, 'm'));
  });
});
