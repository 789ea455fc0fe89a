import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { api, e2eCorsOrigin, launchBrowser } from '@tollgate/testing';
import { createInstance, url, type TestInstance } from '../identity/identity-e2e.fixture';
import { defineAndLoad, remaining, withKey } from '../query/query-e2e.fixture';
import { defineFlow } from '../flows/flows-e2e.fixture';

jest.setTimeout(90_000);

const CUSTOMER = e2eCorsOrigin();
const STRANGER = 'http://stranger.test';
const QUERY = '/api/v1/query?entities=actions';

/** A browser's preflight for a GET that sends a key header. */
const preflight = (origin: string, path = QUERY) =>
  api('OPTIONS', url(path), {
    headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-api-key' },
  });

describe('CORS: pages of the listed origins may call the API from a browser (e2e)', () => {
  let t: TestInstance;

  beforeAll(async () => {
    t = await createInstance();
    await defineAndLoad(t.orgKey, 'actions', [{ name: 'status', type: 'string' }], [{ id: 'a1', title: 'Write report', status: 'open' }]);
  });

  it('answers a listed origin’s preflight before authentication, free of charge', async () => {
    const before = await remaining(t.orgKey);
    const res = await preflight(CUSTOMER);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(CUSTOMER);
    expect(res.headers.get('access-control-allow-methods')).toContain('GET');
    expect(res.headers.get('access-control-allow-headers')).toBe('x-api-key');
    expect(res.headers.get('access-control-max-age')).toBe('600');
    expect(res.headers.get('vary')).toContain('Origin');
    expect(await remaining(t.orgKey)).toBe(before);
  });

  it('lets the page read answers, errors included, and the credit headers', async () => {
    const served = await api('GET', url(QUERY), { headers: { ...withKey(t.orgKey), origin: CUSTOMER } });
    expect(served.status).toBe(200);
    expect(served.headers.get('access-control-allow-origin')).toBe(CUSTOMER);
    const exposed = served.headers.get('access-control-expose-headers')!.split(', ');
    expect(exposed).toEqual(expect.arrayContaining(['x-credits-cost', 'x-credits-remaining', 'x-request-id', 'retry-after']));
    const refused = await api('GET', url(QUERY), { headers: { ...withKey('tg_not_a_real_key'), origin: CUSTOMER } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(CUSTOMER);
    expect(refused.body.code).toBe('invalid_token');
  });

  it('changes nothing for other origins and for callers without one', async () => {
    const stranger = await preflight(STRANGER);
    expect(stranger.status).toBe(405);
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    const served = await api('GET', url(QUERY), { headers: { ...withKey(t.orgKey), origin: STRANGER } });
    expect(served.status).toBe(200);
    expect(served.headers.get('access-control-allow-origin')).toBeNull();
    const plain = await api('OPTIONS', url(QUERY), {});
    expect([plain.status, plain.headers.get('allow')]).toEqual([405, 'GET']);
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('keeps unknown paths a 404 for every method, preflights of listed origins aside', async () => {
    const unknown = await api('GET', url('/api/v1/no-such-thing'), { headers: { origin: CUSTOMER } });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('access-control-allow-origin')).toBe(CUSTOMER);
    expect((await api('OPTIONS', url('/api/v1/no-such-thing'), {})).status).toBe(404);
  });

  describe('in a real browser (headless Chromium)', () => {
    let browser: Browser;
    let page: Page;
    /** Pages of the listed origin and of one that is not listed, served for real on loopback. */
    const servers: Server[] = [];
    let strangerOrigin: string;

    const pageServer = (port: number) =>
      new Promise<Server>((resolve) => {
        const server = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>customer</title>'));
        servers.push(server);
        server.listen(port, '127.0.0.1', () => resolve(server));
      });

    beforeAll(async () => {
      await pageServer(Number(new URL(CUSTOMER).port));
      strangerOrigin = `http://127.0.0.1:${((await pageServer(0)).address() as AddressInfo).port}`;
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    });
    afterEach(async () => {
      await page?.close();
    });

    async function pageOf(origin: string): Promise<Page> {
      page = await browser.newPage();
      await page.goto(`${origin}/`);
      return page;
    }

    it('lets a listed origin’s page query with a key header and read what it cost', async () => {
      const before = await remaining(t.orgKey);
      const p = await pageOf(CUSTOMER);
      const seen = await p.evaluate(
        async ([target, key]) => {
          const res = await fetch(target, { headers: { 'x-api-key': key } });
          return { status: res.status, remaining: res.headers.get('x-credits-remaining'), titles: ((await res.json()) as { data: { actions: { title: string }[] } }).data.actions.map((r) => r.title) };
        },
        [url(QUERY), t.orgKey],
      );
      expect(seen).toEqual({ status: 200, remaining: String(before - 1), titles: ['Write report'] });
    });

    it('lets a listed origin’s page post JSON to an anonymous flow trigger', async () => {
      const flow = await defineFlow(t, { name: `Signup ${randomUUID().slice(0, 6)}`, allowAnonymous: true, steps: [{ type: 'output', name: 'email', from: '[$input.body.email]' }] });
      const p = await pageOf(CUSTOMER);
      const seen = await p.evaluate(async (target) => {
        const res = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ann@example.com' }) });
        return { status: res.status, body: await res.json() };
      }, flow.urls.trigger);
      expect(seen.status).toBe(200);
      expect(JSON.stringify(seen.body)).toContain('ann@example.com');
    });

    it('stops another origin’s page before its request is sent: nothing is charged', async () => {
      const before = await remaining(t.orgKey);
      const p = await pageOf(strangerOrigin);
      const outcome = await p.evaluate(
        async ([target, key]) => {
          try {
            const res = await fetch(target, { headers: { 'x-api-key': key } });
            return `answered ${res.status}`;
          } catch (error) {
            return (error as Error).name;
          }
        },
        [url(QUERY), t.orgKey],
      );
      expect(outcome).toBe('TypeError');
      expect(await remaining(t.orgKey)).toBe(before);
    });
  });
});
