import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '@tollgate/testing';
import { call, createInstance, type TestInstance } from '../identity/identity-e2e.fixture';
import { defineFlow, key } from '../flows/flows-e2e.fixture';

jest.setTimeout(90_000);

/**
 * A user who once answered a trigger route's Basic prompt with their key: the browser keeps it and
 * answers the gateway's challenges with it (here, the context's httpCredentials do). Another site's
 * page must not be able to run flows as that user by submitting a form to the trigger.
 */
describe('a key kept by a browser from a Basic sign-in (e2e, headless Chromium)', () => {
  let t: TestInstance;
  let browser: Browser;
  let elsewhere: http.Server;
  let elsewhereUrl: string;
  let flow: Awaited<ReturnType<typeof defineFlow>>;

  beforeAll(async () => {
    t = await createInstance();
    flow = await defineFlow(t, { name: `Basic ${randomUUID().slice(0, 6)}`, steps: [{ type: 'response', body: '"ran"' }] });
    // Another site: a page that submits a form to the trigger as soon as it loads.
    elsewhere = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><form method="post" action="${flow.urls.trigger}"><input name="x" value="1"></form><script>document.forms[0].submit()</script>`);
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.2', resolve));
    elsewhereUrl = `http://127.0.0.2:${(elsewhere.address() as AddressInfo).port}/`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => elsewhere?.close(resolve));
  });

  const runs = async () => (await call('GET', `/api/v1/flows/${flow.id}/runs`, key(t.orgKey))).body.runs as unknown[];

  it('is taken when the user opens the trigger, and refused (403) on a form another site submits', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'apikey', password: t.orgKey } });
    try {
      const page = await context.newPage();
      const own = await page.goto(flow.urls.trigger);
      expect([own?.status(), await own?.text()]).toEqual([200, 'ran']);
      expect(await runs()).toHaveLength(1);

      const answered = page.waitForResponse((res) => res.url() === flow.urls.trigger && res.request().method() === 'POST' && res.status() !== 401);
      await page.goto(elsewhereUrl);
      const refused = await answered;
      expect(refused.status()).toBe(403);
      expect(await refused.json()).toMatchObject({ status: 'error', code: 'forbidden' });
      // Nothing ran: still the one run the user started.
      expect(await runs()).toHaveLength(1);
    } finally {
      await context.close();
    }
  });
});
