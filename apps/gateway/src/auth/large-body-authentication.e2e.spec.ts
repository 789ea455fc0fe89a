import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { generateCredential } from '@tollgate/auth';
import { api, eventually } from '@tollgate/testing';
import { SMALL_BODY_LIMIT_BYTES } from '../body-limits';
import { defineFlow } from '../flows/flows-e2e.fixture';
import { bearer, call, createInstance, issue, url, type TestInstance } from '../identity/identity-e2e.fixture';
import { as, defineAndLoad, withKey } from '../query/query-e2e.fixture';

jest.setTimeout(90_000);

const NEEDS_KEY = {
  status: 413,
  code: 'payload_too_large',
  message: `A body larger than ${SMALL_BODY_LIMIT_BYTES} bytes needs its key in the Authorization or X-Api-Key header, or the URL, not in the body`,
};
const JSON_TYPE = { 'content-type': 'application/json' };
const BATCH = '/api/v1/entities/notes/batch';

/** About 1.6 MB of records: more than a small body, well within a large one. */
const largeBatch = (prefix: string, extra: Record<string, unknown> = {}) => {
  const rows = Array.from({ length: 12_000 }, (_, i) => ({ id: `${prefix}${i}`, title: `Note ${i} ${'x'.repeat(100)}` }));
  const body = JSON.stringify({ ...extra, operations: [{ action: 'insert', rows }] });
  expect(body.length).toBeGreaterThan(1.5 * SMALL_BODY_LIMIT_BYTES);
  return body;
};

/** The first 60 KB or so of a batch, for a request that announces far more. */
const batchStart = `{"operations":[{"action":"insert","rows":[${Array.from({ length: 500 }, (_, i) => `{"id":"p${i}","title":"${'y'.repeat(100)}"}`).join(',')}`;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: { code?: string; message?: string };
}

/**
 * Sends a request's headers and `part` of its body, then nothing more, and resolves with the
 * answer if it comes meanwhile: a gateway that read the body before answering would wait for the
 * rest. Without `content-length` the body goes chunked.
 */
function answerWhileSending(path: string, headers: Record<string, string | number>, part: string | Buffer, options: { method?: string; localAddress?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(url(path), { method: options.method ?? 'POST', headers, localAddress: options.localAddress }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        answered = true;
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) });
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error('no answer while the rest of the body was unsent'));
    }, 5_000);
    req.on('error', (error) => {
      clearTimeout(timer);
      if (!answered) reject(error);
    });
    req.write(part);
  });
}

/** A whole body sent in chunks of 256 KB, without a length. */
function sendChunked(path: string, headers: Record<string, string>, body: string): Promise<Response> {
  const bytes = Buffer.from(body);
  const stream = new ReadableStream({
    start(controller) {
      for (let at = 0; at < bytes.length; at += 256 * 1024) controller.enqueue(bytes.subarray(at, at + 256 * 1024));
      controller.close();
    },
  });
  return fetch(url(path), { method: 'POST', headers, body: stream, duplex: 'half' } as RequestInit);
}

const announcing = (bytes: number, headers: Record<string, string> = {}) => ({ ...JSON_TYPE, ...headers, 'content-length': bytes });
const FIVE_MB = 5 * 1024 * 1024;
const summary = (res: { status: number; body: { code?: string; message?: string } }) => ({ status: res.status, code: res.body.code, message: res.body.message });

describe('large bodies from senders authenticated before the body is read (e2e)', () => {
  let t: TestInstance;
  const recordCount = async () => {
    const res = await as(t.orgKey, 'GET', '/api/v1/entities');
    return (res.body.entities as { name: string; recordCount: number }[]).find((e) => e.name === 'notes')?.recordCount ?? 0;
  };

  beforeAll(async () => {
    t = await createInstance();
    await defineAndLoad(t.orgKey, 'notes', [], []);
  });

  it('refuses an anonymous batch over a megabyte with a 413 that says where the key goes, and writes nothing', async () => {
    const before = await recordCount();
    const res = await api('POST', url(BATCH), { headers: JSON_TYPE, rawBody: largeBatch('anon') });
    expect(summary(res)).toEqual(NEEDS_KEY);
    expect(await recordCount()).toBe(before);
  });

  it('refuses a large batch whose key is in the body, the same way, and still takes a small one so', async () => {
    const before = await recordCount();
    const large = await api('POST', url(BATCH), { headers: JSON_TYPE, rawBody: largeBatch('body', { access_token: t.orgKey }) });
    expect(summary(large)).toEqual(NEEDS_KEY);
    expect(await recordCount()).toBe(before);
    const small = await call('POST', BATCH, JSON_TYPE, { access_token: t.orgKey, operations: [{ action: 'insert', rows: [{ id: 'small-1', title: 'Small' }] }] });
    expect([small.status, small.body.inserted]).toEqual([200, 1]);
    expect(await recordCount()).toBe(before + 1);
  });

  it('takes a batch over a megabyte with a key or session in a header or the URL, and counts the key\'s use once', async () => {
    const before = await recordCount();
    const loader = await issue(t, { kind: 'organization', description: 'loader', scopes: ['ingest'] });
    const inHeader = await api('POST', url(BATCH), { headers: { ...JSON_TYPE, ...withKey(loader.key) }, rawBody: largeBatch('h') });
    expect([inHeader.status, inHeader.body.inserted]).toEqual([200, 12_000]);
    // Verified before the body is read, and by the route's guard after: one use of the key all the same.
    const useCount = async () => (await call<{ keys: { id: string; useCount: number }[] }>('GET', '/api/v1/keys', bearer(t.session))).body.keys.find((k) => k.id === loader.id)?.useCount;
    await eventually(async () => expect(await useCount()).toBeGreaterThan(0), { timeoutMs: 15_000 });
    expect(await useCount()).toBe(1);
    const inUrl = await api('POST', url(`${BATCH}?key=${loader.key}`), { headers: JSON_TYPE, rawBody: largeBatch('u') });
    expect([inUrl.status, inUrl.body.inserted]).toEqual([200, 12_000]);
    const bySession = await api('POST', url(BATCH), { headers: { ...JSON_TYPE, ...bearer(t.session) }, rawBody: largeBatch('s') });
    expect([bySession.status, bySession.body.inserted]).toEqual([200, 12_000]);
    expect(await recordCount()).toBe(before + 36_000);
  });

  it('refuses a large body with an invalid key: the same 401 as the guard, answered before the body is read', async () => {
    const before = await recordCount();
    const invalid = await api('POST', url(BATCH), { headers: { ...JSON_TYPE, ...withKey(generateCredential('organization')) }, rawBody: largeBatch('bad') });
    expect([invalid.status, invalid.body.code, invalid.body.message, invalid.headers.get('www-authenticate')]).toEqual([401, 'invalid_token', 'Invalid token', 'Bearer realm="tollgate"']);
    const unread = await answerWhileSending(BATCH, announcing(FIVE_MB, bearer('not-a-key')), batchStart);
    expect([unread.status, unread.body.code, unread.headers['www-authenticate']]).toEqual([401, 'invalid_token', 'Bearer realm="tollgate"']);
    const revoked = await issue(t, { kind: 'organization', description: 'revoked', scopes: ['flows'] });
    expect((await call('DELETE', `/api/v1/keys/${revoked.id}`, bearer(t.session))).status).toBe(204);
    const definition = await answerWhileSending(`/api/v1/flows?key=${revoked.key}`, announcing(FIVE_MB), '{"app":"Tests","name":"big","steps":[');
    expect([definition.status, definition.body.code]).toEqual([401, 'invalid_token']);
    expect(await recordCount()).toBe(before);
  });

  it('answers an anonymous large body before it is read: announced, or sent chunked once past a megabyte', async () => {
    const before = await recordCount();
    for (const [method, path] of [['POST', BATCH], ['POST', '/api/v1/flows'], ['PUT', `/api/v1/flows/${randomUUID()}`]]) {
      expect({ path, ...summary(await answerWhileSending(path, announcing(FIVE_MB), batchStart, { method })) }).toEqual({ path, ...NEEDS_KEY });
    }
    const chunked = await answerWhileSending(BATCH, JSON_TYPE, largeBatch('chunked'));
    expect(summary(chunked)).toEqual(NEEDS_KEY);
    // Within a megabyte a chunked body is read first, as on any route, its key included.
    const small = await sendChunked(BATCH, JSON_TYPE, JSON.stringify({ access_token: t.orgKey, operations: [{ action: 'insert', rows: [{ id: 'small-2', title: 'Small' }] }] }));
    expect([small.status, ((await small.json()) as { inserted: number }).inserted]).toEqual([200, 1]);
    expect(await recordCount()).toBe(before + 1);
  });

  it('takes a chunked batch with its key in a header, whatever its size', async () => {
    const before = await recordCount();
    const res = await sendChunked(BATCH, { ...JSON_TYPE, ...withKey(t.orgKey) }, largeBatch('c'));
    expect([res.status, ((await res.json()) as { inserted: number }).inserted]).toEqual([200, 12_000]);
    expect(await recordCount()).toBe(before + 12_000);
  });

  it('still takes large anonymous flow triggers, and refuses one with an invalid key before its body is read', async () => {
    const open = await defineFlow(t, { name: `Open ${randomUUID().slice(0, 6)}`, allowAnonymous: true, steps: [{ type: 'output', name: 'n', from: '[$count($input.body.items)]' }] });
    const payload = JSON.stringify({ items: Array.from({ length: 15_000 }, (_, i) => `item ${i} ${'z'.repeat(100)}`) });
    expect(payload.length).toBeGreaterThan(1.5 * SMALL_BODY_LIMIT_BYTES);
    const anonymous = await api('POST', open.urls.trigger, { headers: JSON_TYPE, rawBody: payload });
    expect([anonymous.status, anonymous.body.data]).toEqual([200, { n: [15_000] }]);
    const withOwnBasic = await api('POST', open.urls.trigger, { headers: { ...JSON_TYPE, authorization: 'Basic dXNlcjpwYXNz' }, rawBody: payload });
    expect(withOwnBasic.status).toBe(200);
    const keyed = await api('POST', open.urls.trigger, { headers: { ...JSON_TYPE, ...withKey(t.orgKey) }, rawBody: payload });
    expect([keyed.status, keyed.body.data]).toEqual([200, { n: [15_000] }]);

    const path = new URL(open.urls.trigger).pathname;
    const refused = await answerWhileSending(`${path}?key=${generateCredential('organization')}`, announcing(FIVE_MB), '{"items":["');
    expect([refused.status, refused.body.code, refused.headers['www-authenticate']]).toEqual([401, 'invalid_token', 'Basic realm="tollgate", charset="UTF-8", Bearer realm="tollgate"']);
  });

  it('asks the flows service before reading a large anonymous trigger, and answers its refusal before the body is read', async () => {
    const closed = await defineFlow(t, { name: `Closed ${randomUUID().slice(0, 6)}`, steps: [{ type: 'output', name: 'n', from: '[$count($input.body.items)]' }] });
    const closedPath = `/api/1/action/Tests/${encodeURIComponent(closed.name)}/trigger`;
    // A flow that takes no anonymous caller, one that does not exist, one without ?instance=.
    // Announced over a megabyte: refused at once; chunked: once past a megabyte.
    const pastAMegabyte = `{"items":["${'x'.repeat(SMALL_BODY_LIMIT_BYTES + 1000)}`;
    for (const path of [`${closedPath}?instance=${t.instanceId}`, `/api/1/action/Tests/Nothing/trigger?instance=${t.instanceId}`, closedPath]) {
      for (const [headers, part] of [[announcing(FIVE_MB), '{"items":["'], [{ ...JSON_TYPE }, pastAMegabyte]] as const) {
        const refused = await answerWhileSending(path, headers, part);
        expect([path, refused.status, refused.body.code, refused.headers['www-authenticate']]).toEqual([path, 401, 'invalid_token', 'Basic realm="tollgate", charset="UTF-8", Bearer realm="tollgate"']);
      }
    }
    // A small chunked body still carries its key as access_token, as on any route.
    const small = await sendChunked(closedPath, JSON_TYPE, JSON.stringify({ access_token: t.orgKey, items: [1, 2] }));
    expect([small.status, ((await small.json()) as { data: unknown }).data]).toEqual([200, { n: [2] }]);
    // The flow's webhook token (in the URL) lets a large body in, as a key would; a wrong one does not.
    const payload = JSON.stringify({ items: Array.from({ length: 15_000 }, (_, i) => `item ${i} ${'z'.repeat(100)}`) });
    const hooked = await api('POST', url(`${closedPath}?instance=${t.instanceId}&token=${closed.webhookToken}`), { headers: JSON_TYPE, rawBody: payload });
    expect([hooked.status, hooked.body.data]).toEqual([200, { n: [15_000] }]);
    const wrongToken = await answerWhileSending(`${closedPath}?instance=${t.instanceId}&token=whk_wrong`, announcing(FIVE_MB), '{"items":["');
    expect([wrongToken.status, wrongToken.body.code]).toEqual([401, 'invalid_token']);
  });

  it('says so in the OpenAPI document, where a route takes no anonymous caller', async () => {
    const docs = (await api('GET', url('/api/docs-json'))).body;
    const tooLarge = (path: string, method: string) => docs.paths[path][method].responses['413'].description as string;
    const needsKey = `a body over ${SMALL_BODY_LIMIT_BYTES} bytes also needs its key or session in a header or the URL`;
    for (const [path, method] of [['/api/v1/entities/{name}/batch', 'post'], ['/api/v1/flows', 'post'], ['/api/v1/flows/{id}', 'put']]) expect(tooLarge(path, method)).toContain(needsKey);
    expect(tooLarge('/api/1/action/{app}/{flow}/trigger', 'post')).not.toContain(needsKey);
    expect(tooLarge('/api/v1/keys', 'post')).not.toContain(needsKey);
  });

  it('counts failed verifications of large bodies toward the address limit, as the guard does', async () => {
    // From a loopback address of this test's own, so the rest of the suite is not limited; AUTH_FAILURE_LIMIT is 100.
    const from = '127.0.0.21';
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) statuses.push((await answerWhileSending(BATCH, announcing(FIVE_MB, bearer('not-a-key')), batchStart, { localAddress: from })).status);
    expect(statuses).toEqual(new Array(100).fill(401));
    const over = await answerWhileSending(BATCH, announcing(FIVE_MB, bearer('not-a-key')), batchStart, { localAddress: from });
    expect([over.status, over.body.code, Number(over.headers['retry-after']) > 0]).toEqual([429, 'rate_limited', true]);
    // From then on the address is refused before its body, a valid key's too.
    expect((await answerWhileSending(BATCH, announcing(FIVE_MB, withKey(t.orgKey)), batchStart, { localAddress: from })).status).toBe(429);
    // The guard of any other route counts the same failures.
    const elsewhere = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(url('/api/v1/auth/me'), { localAddress: from, headers: withKey(t.orgKey) }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(elsewhere).toBe(429);
  });
});
