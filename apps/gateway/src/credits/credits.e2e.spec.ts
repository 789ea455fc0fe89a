import { randomUUID } from 'node:crypto';
import type { Principal } from '@tollgate/auth';
import { e2ePlatform, eventually, launchBrowser } from '@tollgate/testing';
import { ApiException } from '@tollgate/service-runtime';
import type { ServiceClients } from '../downstream/service-clients';
import { bearer, call, createInstance, defineEntities, issue, login, operator, url, type TestInstance } from '../identity/identity-e2e.fixture';
import type { DebitBatcher } from '../metering/debit-batcher';
import { gatewayMetering } from '../metering/metering.fixture';
import { creditHeaders, type MeteringService } from '../metering/metering.service';

jest.setTimeout(60_000);

/** A console's live balance: the `balance` events of an open stream, parsed as they arrive. */
async function openStream(headers: Record<string, string>) {
  const abort = new AbortController();
  const res = await fetch(url('/api/v1/credits/stream'), { headers: { ...headers, accept: 'text/event-stream' }, signal: abort.signal });
  const seen: { event: string; data: any }[] = [];
  /** Comment lines (`: …`), which clients ignore and idle proxies count as traffic. */
  const comments: string[] = [];
  let ended = false;
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const field = (name: string) =>
            block
              .split('\n')
              .filter((l) => l.startsWith(`${name}:`))
              .map((l) => l.slice(name.length + 1).trim())
              .join('\n');
          if (field('data')) seen.push({ event: field('event'), data: JSON.parse(field('data')) });
          for (const line of block.split('\n')) if (line.startsWith(':')) comments.push(line.slice(1).trim());
        }
      }
      ended = true;
    } catch {
      // aborted
    }
  })();
  return { res, seen, comments, ended: () => ended, close: () => abort.abort() };
}

describe('credits through the gateway', () => {
  let t: TestInstance;
  let metering: MeteringService;
  let clients: ServiceClients;
  let batcher: DebitBatcher;

  beforeAll(async () => {
    t = await createInstance();
    // The gateway's own metering, against the platform's credits service, as the query and flows routes use it.
    const platform = e2ePlatform();
    ({ clients, metering, batcher } = gatewayMetering(platform.urls, platform.internalSecret, { DOWNSTREAM_TIMEOUT_MS: 10_000, CREDITS_DEBIT_TIMEOUT_MS: 10_000 }));
  });
  afterAll(() => clients?.onApplicationShutdown());

  const principal = (keyId = 'key_e2e'): Principal => ({ instanceId: t.instanceId, kind: 'organization', keyId, scopes: ['query'] });
  const balance = async () => (await call('GET', '/api/v1/credits', { 'x-api-key': t.orgKey })).body;

  it('shows the balance to any key or session of the instance, and refuses a missing key', async () => {
    const body = await balance();
    expect(body).toEqual({ dailyAllowance: 1000, remaining: 1000, resetsAt: expect.any(String), timezone: 'Europe/Paris' });
    expect(new Date(body.resetsAt).getTime()).toBeGreaterThan(Date.now());
    expect((await call('GET', '/api/v1/credits', bearer(t.session))).body).toEqual(body);
    expect((await call('GET', '/api/v1/credits', {})).status).toBe(401);
  });

  it("shows an operator's plan change at once", async () => {
    const changed = await call('PATCH', `/api/v1/operator/instances/${t.instanceId}`, operator(), { dailyCredits: 50 });
    expect(changed.status).toBe(200);
    expect(await balance()).toMatchObject({ dailyAllowance: 50, remaining: 50 });
  });

  it('keeps the latest plan when an earlier change reaches credits after it', async () => {
    try {
      const first = await call('PATCH', `/api/v1/operator/instances/${t.instanceId}`, operator(), { dailyCredits: 60 });
      const second = await call('PATCH', `/api/v1/operator/instances/${t.instanceId}`, operator(), { dailyCredits: 70 });
      expect(second.body.planVersion).toBeGreaterThan(first.body.planVersion);
      // The first PATCH's call to credits, arriving only now (a slow gateway, a retry): it changes nothing.
      const late = await clients.credits.json({
        method: 'PUT',
        path: `/accounts/${t.instanceId}`,
        principal: { instanceId: t.instanceId, kind: 'system', scopes: [] },
        requestId: `late-${randomUUID()}`,
        body: { dailyCredits: 60, timezone: first.body.timezone, planVersion: first.body.planVersion },
      });
      expect(late).toMatchObject({ status: 200, body: { dailyAllowance: 70 } });
      expect(await balance()).toMatchObject({ dailyAllowance: 70 });
    } finally {
      // The plan the tests after this one expect.
      await call('PATCH', `/api/v1/operator/instances/${t.instanceId}`, operator(), { dailyCredits: 50 });
    }
  });

  it("streams another client's consumption to an open console", async () => {
    const consoleStream = await openStream(bearer(t.session));
    expect(consoleStream.res.status).toBe(200);
    expect(consoleStream.res.headers.get('content-type')).toContain('text/event-stream');
    await eventually(() => expect(consoleStream.seen[0]).toEqual({ event: 'balance', data: expect.objectContaining({ remaining: 50 }) }));

    const charge = await metering.charge({ principal: principal(), requestId: randomUUID(), cost: 3, entities: ['actions', 'graphs', 'users'] });
    expect(creditHeaders(charge)).toEqual({ 'x-credits-cost': '3', 'x-credits-remaining': '47' });
    await eventually(() => expect(consoleStream.seen.at(-1)?.data).toEqual(expect.objectContaining({ remaining: 47, dailyAllowance: 50 })));
    consoleStream.close();
  });

  it('follows credit events only while a console is open', async () => {
    const followed = async () => {
      const text = await (await fetch(url('/metrics'))).text();
      return Number(/^tollgate_gateway_balance_feed_following (\d+)$/m.exec(text)?.[1]);
    };
    await eventually(async () => expect(await followed()).toBe(0));
    const own = await createInstance(); // its own pool: the ledger test below counts this one's
    const consoleStream = await openStream(bearer(own.session));
    await eventually(async () => expect(await followed()).toBe(1));
    // What is charged while the gateway is still joining the topic reaches the console as well.
    const ownKey: Principal = { ...principal(), instanceId: own.instanceId };
    const charge = await metering.charge({ principal: ownKey, requestId: randomUUID(), cost: 1, entities: ['actions'] });
    await eventually(() => expect(consoleStream.seen.at(-1)?.data).toEqual(expect.objectContaining({ remaining: charge.remaining })));
    await charge.refund();
    await eventually(() => expect(consoleStream.seen.at(-1)?.data).toEqual(expect.objectContaining({ remaining: charge.remaining + 1 })));
    consoleStream.close();
    await eventually(async () => expect(await followed()).toBe(0));
  });

  it('keeps an idle stream alive with comment lines, names its request, and never repeats a balance', async () => {
    const followed = async () => Number(/^tollgate_gateway_balance_feed_following (\d+)$/m.exec(await (await fetch(url('/metrics'))).text())?.[1]);
    await eventually(async () => expect(await followed()).toBe(0));
    const own = await createInstance();
    // The first console of a gateway: its balance is read again once the gateway follows the topic.
    const consoleStream = await openStream({ ...bearer(own.session), 'x-request-id': 'req_console_e2e' });
    expect(consoleStream.res.headers.get('x-request-id')).toBe('req_console_e2e');
    // Nothing changes for a while: the stream still sends something (every 15 s by default).
    await eventually(() => expect(consoleStream.comments.length).toBeGreaterThan(0), { timeoutMs: 25_000 });
    const ownKey: Principal = { ...principal(), instanceId: own.instanceId };
    await metering.charge({ principal: ownKey, requestId: randomUUID(), cost: 1, entities: ['actions'] });
    await eventually(() => expect(consoleStream.seen.at(-1)?.data.remaining).toBe(999));
    expect(consoleStream.seen.map((e) => e.data.remaining)).toEqual([1000, 999]);
    consoleStream.close();
  });

  it("ends the stream of a key once it is revoked, and only that one", async () => {
    const own = await createInstance();
    const revoked = await issue(own, { kind: 'organization', description: 'console on a wall' });
    const keyStream = await openStream({ 'x-api-key': revoked.key });
    const sessionStream = await openStream(bearer(own.session));
    await eventually(() => expect([keyStream.seen.length, sessionStream.seen.length]).toEqual([1, 1]));

    expect((await call('DELETE', `/api/v1/keys/${revoked.id}`, bearer(own.session))).status).toBe(204);
    expect((await call('GET', '/api/v1/credits', { 'x-api-key': revoked.key })).status).toBe(401);
    await eventually(() => expect(keyStream.ended()).toBe(true), { timeoutMs: 5000 });
    // The session was not revoked: its stream goes on.
    expect(sessionStream.ended()).toBe(false);
    sessionStream.close();
  });

  it('ends the stream of a session once it signs out, and not the streams of its other sessions', async () => {
    const own = await createInstance();
    const other = await login(own.instanceId, own.adminEmail, own.password);
    const signedOut = await openStream(bearer(own.session));
    const stays = await openStream(bearer(other));
    await eventually(() => expect([signedOut.seen.length, stays.seen.length]).toEqual([1, 1]));
    expect((await call('POST', '/api/v1/auth/logout', bearer(own.session))).status).toBe(204);
    // Well within the cache TTL (30 s), after which a recheck would end it anyway.
    await eventually(() => expect(signedOut.ended()).toBe(true), { timeoutMs: 5000 });
    expect(stays.ended()).toBe(false);
    stays.close();
  });

  it('refunds once, however often the refund is asked', async () => {
    const requestId = randomUUID();
    const charge = await metering.charge({ principal: principal(), requestId, cost: 2, entities: ['actions', 'graphs'] });
    expect(charge.remaining).toBe(45);
    // The refund of one request id sent to credits again and again, at once and after, as the
    // gateway sends it when it retries a refund it heard no answer to.
    await Promise.all([batcher.refund(t.instanceId, requestId), batcher.refund(t.instanceId, requestId)]);
    await batcher.refund(t.instanceId, requestId);
    await charge.refund();
    expect((await balance()).remaining).toBe(47);
  });

  it('never charges a retried request id twice', async () => {
    const requestId = randomUUID();
    const first = await metering.charge({ principal: principal(), requestId, cost: 1, entities: ['actions'] });
    const again = await metering.charge({ principal: principal(), requestId, cost: 1, entities: ['actions'] });
    expect([first.remaining, again.remaining]).toEqual([46, 46]);
  });

  it('gives exactly the remaining credits under 3x oversubscription, then 429 with Retry-After', async () => {
    const attempts = await Promise.allSettled(
      Array.from({ length: 138 }, () => metering.charge({ principal: principal('key_rush'), requestId: randomUUID(), cost: 1, entities: ['actions'] })),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(46);
    const refused = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected').map((a) => a.reason as ApiException);
    expect(refused).toHaveLength(92);
    expect(refused.every((e) => e instanceof ApiException && e.status === 429 && e.code === 'credits_exhausted')).toBe(true);
    const retryAfter = Number(refused[0].options.headers?.['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(25 * 3600);
    expect((await balance()).remaining).toBe(0);
  });

  it('groups usage by key and entity, refunds excluded', async () => {
    const usage = async (groupBy: string) => (await call('GET', `/api/v1/credits/usage?groupBy=${groupBy}`, { 'x-api-key': t.orgKey })).body;
    expect((await usage('key')).usage).toEqual([
      { keyId: 'key_rush', credits: 46, requests: 46 },
      { keyId: 'key_e2e', credits: 4, requests: 2 },
    ]);
    expect((await usage('entity')).usage).toEqual([
      { entity: 'actions', credits: 48, requests: 48 },
      { entity: 'graphs', credits: 1, requests: 1 },
      { entity: 'users', credits: 1, requests: 1 },
    ]);
    expect((await usage('day')).total).toEqual({ credits: 50, requests: 48 });
    const bad = await call('GET', '/api/v1/credits/usage?groupBy=planet', { 'x-api-key': t.orgKey });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
  });

  it("shows a data key its balance but not the instance's usage, which names entities outside its list", async () => {
    const own = await createInstance();
    await defineEntities(own, ['actions']);
    const data = await issue(own, { kind: 'data', description: 'reporting', entities: ['actions'] });
    expect((await call('GET', '/api/v1/credits', { 'x-api-key': data.key })).status).toBe(200);
    for (const groupBy of ['day', 'key', 'user', 'entity']) {
      const refused = await call('GET', `/api/v1/credits/usage?groupBy=${groupBy}`, { 'x-api-key': data.key });
      expect([refused.status, refused.body.code]).toEqual([403, 'forbidden']);
    }
    expect((await call('GET', '/api/v1/credits/usage', { 'x-api-key': own.orgKey })).status).toBe(200);
  });

  it('starts a usage period at 0001-01-01 at the earliest, the first day a caller may name', async () => {
    const early = await call('GET', '/api/v1/credits/usage?to=0001-01-10', { 'x-api-key': t.orgKey });
    expect([early.status, early.body.from, early.body.to, early.body.usage]).toEqual([200, '0001-01-01', '0001-01-10', []]);
  });

  it("proves the day's ledger to the operator", async () => {
    const audit = await call('GET', `/api/v1/operator/instances/${t.instanceId}/credits/audit`, operator());
    expect(audit.status).toBe(200);
    expect(audit.body).toMatchObject({ allowance: 1000, adjustments: -950, consumed: 52, refunded: 2, remaining: 0, balanced: true });
    expect((await call('GET', `/api/v1/operator/instances/${t.instanceId}/credits/audit`, { 'x-api-key': t.orgKey })).status).toBe(401);
    for (const day of ['2026-02-30', '2026-13-01']) {
      const impossible = await call('GET', `/api/v1/operator/instances/${t.instanceId}/credits/audit?day=${day}`, operator());
      expect([impossible.status, impossible.body.code]).toEqual([400, 'validation_failed']);
    }
  });

  it('keeps a browser page\'s live balance current over EventSource, the session token in the URL', async () => {
    const own = await createInstance();
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(url('/health')); // any page of the gateway's origin
      // EventSource sends no headers, so a console names its session in the URL (API.md: access_token).
      // (Browser code as text: this file is type-checked for Node, without the DOM's names.)
      await page.evaluate(`
        window.seen = [];
        new EventSource('/api/v1/credits/stream?access_token=${encodeURIComponent(own.session)}')
          .addEventListener('balance', (e) => window.seen.push(JSON.parse(e.data).remaining));`);
      const seen = () => page.evaluate('window.seen') as Promise<number[]>;
      await eventually(async () => expect(await seen()).toEqual([1000]));
      const charge = await metering.charge({ principal: { ...principal(), instanceId: own.instanceId }, requestId: randomUUID(), cost: 2, entities: ['a', 'b'] });
      expect(charge.remaining).toBe(998);
      await eventually(async () => expect((await seen()).at(-1)).toBe(998));
    } finally {
      await browser.close();
    }
  });
});
