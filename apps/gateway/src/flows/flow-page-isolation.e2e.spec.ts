import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { api, launchBrowser } from '@tollgate/testing';
import { createInstance, url, type TestInstance } from '../identity/identity-e2e.fixture';
import { defineFlow } from './flows-e2e.fixture';

jest.setTimeout(90_000);

/**
 * A page that, on the gateway's origin, would read what every instance's console keeps there
 * (the signed-in session) and plant what the next console to open would run.
 */
const PAGE = `<!doctype html><title>page</title><script>
  try {
    localStorage.setItem('planted', 'by a flow');
    document.title = 'gateway origin';
  } catch (e) {
    document.title = 'own origin';
  }
</script>`;

describe("a flow's answer never acts as the gateway's origin (e2e, headless Chromium)", () => {
  let t: TestInstance;
  let browser: Browser;

  beforeAll(async () => {
    t = await createInstance();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("serves a page a flow returns sandboxed: its script cannot reach the console's storage, nor claim the origin for a service worker", async () => {
    const flow = await defineFlow(t, {
      name: `Page ${randomUUID().slice(0, 6)}`,
      allowAnonymous: true,
      steps: [
        {
          type: 'response',
          contentType: 'text/html; charset=utf-8',
          headers:
            '{"Service-Worker-Allowed": "/", "Clear-Site-Data": "\\"*\\"", "Strict-Transport-Security": "max-age=31536000; includeSubDomains", "Alt-Svc": "h2=\\"elsewhere.example:443\\"", "Content-Security-Policy": "img-src *", "X-Flow": "kept"}',
          body: JSON.stringify(PAGE),
        },
      ],
    });
    const answer = await api('GET', flow.urls.trigger, {});
    expect(answer.status).toBe(200);
    // Headers that act on the whole origin, which every instance shares, are not one flow's to set.
    for (const name of ['service-worker-allowed', 'clear-site-data', 'strict-transport-security', 'alt-svc']) expect([name, answer.headers.get(name)]).toEqual([name, null]);
    expect(answer.headers.get('x-flow')).toBe('kept');
    // The flow's own policy still applies, beside the sandbox it cannot lift.
    expect(answer.headers.get('content-security-policy')).toMatch(/img-src \*/);
    expect(answer.headers.get('content-security-policy')).toMatch(/(^|[;,]\s*)sandbox\b/);

    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(flow.urls.trigger);
      await expect(page.title()).resolves.not.toBe('gateway origin');
      const consolePage = await context.newPage();
      await consolePage.goto(url('/console'));
      expect(await consolePage.evaluate("localStorage.getItem('planted')")).toBeNull();
    } finally {
      await context.close();
    }
  });
});
