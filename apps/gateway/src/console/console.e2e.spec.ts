import { parse as parseCsv } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { eventually } from '@tollgate/testing';
import { bearer, call, createInstance, createUser, issue, operator, url, type TestInstance } from '../identity/identity-e2e.fixture';
import { as, defineAndLoad, remaining } from '../query/query-e2e.fixture';
import { signIn, useConsolePages } from './console-e2e.fixture';

jest.setTimeout(90_000);

describe('the admin console (e2e, headless Chromium)', () => {
  let t: TestInstance;
  const pages = useConsolePages();
  const { problems } = pages;
  let page: Page;

  beforeAll(async () => {
    t = await createInstance();
    await defineAndLoad(t.orgKey, 'actions', [{ name: 'status', type: 'string' }], [
      { id: 'a1', title: 'Write report', createdAt: '2026-01-01T09:00:00Z', status: 'open' },
      { id: 'a2', title: 'Answer mail', createdAt: '2026-01-02T09:00:00Z', status: 'done' },
    ]);
    await defineAndLoad(t.orgKey, 'graphs', [{ name: 'kind', type: 'string' }], [{ id: 'g1', title: 'Process map', kind: 'flow' }]);
  });

  beforeEach(() => {
    page = pages.page;
  });

  it('is found at /console too, keeping the query, and that visit counts as the 301 it is, not a 500', async () => {
    const res = await fetch(url('/console?from=mail'), { redirect: 'manual' });
    expect([res.status, res.headers.get('location')]).toEqual([301, '/console/?from=mail']);
    const metrics = await (await fetch(url('/metrics'))).text();
    expect(metrics).toMatch(/^http_request_duration_seconds_count\{method="GET",route="\/console",status_code="301"\} [1-9]/m);
    expect(metrics).not.toContain('route="/console",status_code="500"');
  });

  it('cannot be framed by another page, so no site can dress it up and have it clicked (clickjacking)', async () => {
    await page.setContent(`<iframe src="${url('/console/')}" width="800" height="600"></iframe>`);
    const frame = await eventually(async () => {
      const child = page.frames().find((f) => f !== page.mainFrame());
      expect(child?.url()).toMatch(/^chrome-error:/); // Chromium's page for a refused frame
      return child!;
    });
    expect(await frame.getByLabel('Password').count()).toBe(0);
    problems.splice(0); // the browser reports the refusal on its console
  });

  it('runs only its own scripts: an inline script that got into the page is refused', async () => {
    await page.goto(url('/console/'));
    await page.getByRole('button', { name: 'Sign in' }).waitFor(); // its own modules and import map ran
    const ran = await page.evaluate(
      "(() => { const s = document.createElement('script'); s.textContent = 'window.injected = true'; document.head.append(s); return window.injected === true; })()",
    );
    expect(ran).toBe(false);
    // The browser reports the refusal on its console, maybe a moment later.
    await eventually(() => expect(problems).toEqual([expect.stringContaining('Content Security Policy')]));
    problems.splice(0);
  });

  it('has browsers ask again for its files, so an upgrade reaches them at once', async () => {
    for (const file of ['/console/', '/console/app.js', '/console/vendor/preact.mjs']) {
      const first = await fetch(url(file));
      expect([file, first.status, first.headers.get('cache-control')]).toEqual([file, 200, 'no-cache']);
    }
  });

  it('says who a credential acts as: GET /api/v1/auth/me', async () => {
    const session = await call('GET', '/api/v1/auth/me', bearer(t.session));
    expect(session.status).toBe(200);
    expect(session.body).toEqual(
      expect.objectContaining({ instanceId: t.instanceId, kind: 'session', userId: t.adminId, roles: { users: 'admin', query: 'admin' } }),
    );
    const org = await call('GET', '/api/v1/auth/me', { 'x-api-key': t.orgKey });
    expect(org.body).toEqual(expect.objectContaining({ kind: 'organization', scopes: ['query', 'ingest', 'flows', 'admin'] }));
    expect(org.body.userId).toBeUndefined();
    const data = await issue(t, { kind: 'data', description: 'graphs only', scopes: ['query'], entities: ['graphs'] });
    expect((await call('GET', '/api/v1/auth/me', { 'x-api-key': data.key })).body).toEqual(
      expect.objectContaining({ kind: 'data', keyId: data.id, entities: ['graphs'] }),
    );
    const none = await call('GET', '/api/v1/auth/me', {});
    expect([none.status, none.body.code]).toEqual([401, 'invalid_token']);
  });

  it('takes a session in a URL only on the balance stream, which an EventSource can reach no other way', async () => {
    // URLs end up in proxies' access logs; a session found there must not act as its user elsewhere.
    const inUrl = await call('GET', `/api/v1/keys?access_token=${encodeURIComponent(t.session)}`, {});
    expect([inUrl.status, inUrl.body.code]).toEqual([401, 'invalid_token']);
    expect((await call('GET', '/api/v1/keys', bearer(t.session))).status).toBe(200);
    // Keys still travel in URLs, as API.md offers.
    expect((await call('GET', `/api/v1/keys?access_token=${t.orgKey}`, {})).status).toBe(200);
    const stream = await fetch(url(`/api/v1/credits/stream?access_token=${encodeURIComponent(t.session)}`));
    expect([stream.status, stream.headers.get('content-type')]).toEqual([200, expect.stringContaining('text/event-stream')]);
    await stream.body?.cancel();
  });

  it('refuses a wrong password on the sign-in page and keeps the user there', async () => {
    await signIn(page, t.instanceId, t.adminEmail, 'not the password');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Wrong instance, email or password');
    expect(await page.getByRole('heading', { name: 'Query builder' }).count()).toBe(0);
  });

  it('says so when the platform cannot be reached at sign-in, instead of doing nothing', async () => {
    await page.route('**/api/v1/auth/login', (route) => route.abort('connectionrefused'));
    await signIn(page, t.instanceId, t.adminEmail, t.password);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('The platform cannot be reached');
    await page.unroute('**/api/v1/auth/login');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Query builder' }).waitFor();
  });

  it('signs out with a message, unasked, when the session is revoked while the page is open', async () => {
    const other = await createUser(t, { users: 'admin', query: 'admin' });
    await signIn(page, t.instanceId, other.email, other.password);
    await page.getByRole('heading', { name: 'Query builder' }).waitFor();
    await eventually(async () => expect(await page.getByTestId('remaining-credits').textContent()).toMatch(/\d/));
    expect((await call('PATCH', `/api/v1/users/${other.id}`, bearer(t.session), { status: 'deactivated' })).status).toBe(200);
    // No click, no typing: the live balance stream ending is what tells the page.
    await page.getByText('Your session has ended. Sign in again.').waitFor({ timeout: 15_000 });
    expect(await page.getByLabel('Password').count()).toBe(1);
    expect(await page.getByTestId('remaining-credits').count()).toBe(0);
  });

  it('says when the credit balance cannot be read, and shows it again once it can', async () => {
    await signIn(page, t.instanceId, t.adminEmail, t.password);
    await page.getByRole('heading', { name: 'Query builder' }).waitFor();
    await page.route('**/api/v1/credits**', (route) => route.abort('connectionrefused'));
    await page.reload();
    await expect(page.getByTestId('credits-problem').textContent()).resolves.toContain('Remaining credits cannot be read');
    expect(await page.getByTestId('remaining-credits').textContent()).toBe('…');
    await page.unroute('**/api/v1/credits**');
    const now = await remaining(t.orgKey);
    await eventually(async () => expect(await page.getByTestId('remaining-credits').textContent()).toBe(now.toLocaleString('en')), { timeoutMs: 20_000 });
    expect(await page.getByTestId('credits-problem').count()).toBe(0);
  });

  it('offers to try again when the console cannot load, rather than loading forever', async () => {
    await page.route('**/api/v1/auth/me', (route) => route.abort('connectionrefused'));
    await signIn(page, t.instanceId, t.adminEmail, t.password);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('The console could not load');
    await page.unroute('**/api/v1/auth/me');
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { name: 'Query builder' }).waitFor();
  });

  it('says what a proxy in front answered, not its HTML page', async () => {
    await page.route('**/api/v1/auth/me', (route) =>
      route.fulfill({ status: 502, contentType: 'text/html', body: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>' }),
    );
    await signIn(page, t.instanceId, t.adminEmail, t.password);
    const alert = await page.getByRole('alert').textContent();
    expect(alert).toContain('The platform answered 502');
    expect(alert).not.toContain('<');
    await page.unroute('**/api/v1/auth/me');
  });

  it('explains a period that ends before it starts instead of building a URL the query refuses', async () => {
    await signIn(page, t.instanceId, t.adminEmail, t.password);
    await page.getByLabel(/actions/).check();
    await page.getByLabel('From').fill('2026-01-02');
    await page.getByLabel('To').fill('2026-01-01');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('The period ends before it starts');
    expect(await page.getByTestId('query-url').count()).toBe(0);

    await page.getByLabel('To').fill('2026-01-02');
    const built = url('/api/v1/query?entities=actions&from=2026-01-02&to=2026-01-02&key=YOUR_KEY_VALUE');
    await eventually(async () => expect(await page.getByTestId('query-url').inputValue()).toBe(built));
    expect(await page.getByRole('alert').count()).toBe(0);
    const res = await fetch(built.replace('YOUR_KEY_VALUE', t.orgKey));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { actions: { id: string }[] } }).data.actions.map((a) => a.id)).toEqual(['a2']);
  });

  it('builds the URL of a query as entities and filters are chosen, and that URL works with a key', async () => {
    await signIn(page, t.instanceId, t.adminEmail, t.password);
    await page.getByLabel(/actions/).check();
    await page.getByLabel(/graphs/).check();
    await page.getByLabel('Sort by').selectOption('alpha');
    await page.getByLabel('Order').selectOption('asc');
    await page.getByLabel('Maximum items per entity').fill('1');
    await page.getByLabel('Format').selectOption('csv');
    await expect(page.getByTestId('query-cost').textContent()).resolves.toBe('2');
    const expected = url('/api/v1/query.csv?entities=actions,graphs&sort=alpha&order=asc&limit=1&key=YOUR_KEY_VALUE');
    await eventually(async () => expect(await page.getByTestId('query-url').inputValue()).toBe(expected));

    const before = await remaining(t.orgKey);
    const res = await fetch(expected.replace('YOUR_KEY_VALUE', t.orgKey));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-credits-cost')).toBe('2');
    const rows = parseCsv(await res.text(), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.entity, r.id, r.title])).toEqual([
      ['actions', 'a2', 'Answer mail'],
      ['graphs', 'g1', 'Process map'],
    ]);
    // The header's balance follows the pool live: the query above was another client's.
    await eventually(async () => expect(await page.getByTestId('remaining-credits').textContent()).toBe(String(before - 2)));
  });

  it('offers CSV its delimiter and a mark for Excel, and the URL gives such a file', async () => {
    await signIn(page, t.instanceId, t.adminEmail, t.password);
    await page.getByLabel(/actions/).check();
    expect(await page.getByLabel('Delimiter').count()).toBe(0);
    await page.getByLabel('Format').selectOption('csv');
    await page.getByLabel('Delimiter').selectOption(';');
    await page.getByLabel(/For Excel/).check();
    const expected = url('/api/v1/query.csv?entities=actions&delimiter=%3B&bom=true&key=YOUR_KEY_VALUE');
    await eventually(async () => expect(await page.getByTestId('query-url').inputValue()).toBe(expected));
    const bytes = Buffer.from(await (await fetch(expected.replace('YOUR_KEY_VALUE', t.orgKey))).arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect((parseCsv(bytes, { columns: true, bom: true, delimiter: ';' }) as Record<string, string>[]).map((r) => r.id)).toEqual(['a2', 'a1']);
    // Back to JSON: the CSV options leave the URL.
    await page.getByLabel('Format').selectOption('json');
    await eventually(async () => expect(await page.getByTestId('query-url').inputValue()).toBe(url('/api/v1/query?entities=actions&key=YOUR_KEY_VALUE')));
  });

  it('does not say Copied when the browser refuses to copy (no Clipboard API, as on plain http)', async () => {
    // Run in the page, as text: this project's types know no browser globals.
    await page.addInitScript(`Object.defineProperty(navigator, 'clipboard', { value: undefined }); document.execCommand = () => false;`);
    await signIn(page, t.instanceId, t.adminEmail, t.password);
    await page.getByLabel(/actions/).check();
    await page.getByTestId('query-url').waitFor();
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Not copied: copy it by hand' }).waitFor();
    expect(await page.getByRole('button', { name: 'Copied', exact: true }).count()).toBe(0);
  });

  it('builds and copies a query URL with the keyboard alone', async () => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url('/') });
    await page.goto(url('/console'));
    await page.keyboard.press('Tab');
    await page.keyboard.type(t.instanceId);
    await page.keyboard.press('Tab');
    await page.keyboard.type(t.adminEmail);
    await page.keyboard.press('Tab');
    await page.keyboard.type(t.password);
    await page.keyboard.press('Enter');
    await page.getByLabel(/actions/).waitFor();
    // Header links and Sign out come first, then the entities.
    for (let i = 0; i < 4; i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    await page.getByLabel('Format').focus();
    await page.keyboard.press('ArrowDown');
    const expected = url('/api/v1/query.csv?entities=actions&key=YOUR_KEY_VALUE');
    await eventually(async () => expect(await page.getByTestId('query-url').inputValue()).toBe(expected));
    await page.getByRole('button', { name: 'Copy' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(expected);
  });

  it('offers "only my items" to a session, for the URL its user will call with a personal key', async () => {
    await signIn(page, t.instanceId, t.adminEmail, t.password);
    await page.getByLabel(/actions/).check();
    await page.getByLabel(/Only items where I hold a responsibility/).check();
    await eventually(async () => expect(await page.getByTestId('query-url').inputValue()).toBe(url('/api/v1/query?entities=actions&mine=true&key=YOUR_KEY_VALUE')));
    await expect(page.getByText('with an API key: your personal key').count()).resolves.toBe(1);
  });

  it('clears a query the pool can no longer pay for when another client spends the credits', async () => {
    const poor = await createInstance();
    await defineAndLoad(poor.orgKey, 'actions', [{ name: 'status', type: 'string' }], []);
    await defineAndLoad(poor.orgKey, 'graphs', [{ name: 'kind', type: 'string' }], []);
    expect((await call('PATCH', `/api/v1/operator/instances/${poor.instanceId}`, operator(), { dailyCredits: 3 })).status).toBe(200);
    await signIn(page, poor.instanceId, poor.adminEmail, poor.password);
    await page.getByLabel(/actions/).check();
    await page.getByLabel(/graphs/).check();
    await page.getByLabel('Maximum items per entity').fill('10');
    await eventually(async () => expect(await page.getByTestId('remaining-credits').textContent()).toBe('3'));
    await eventually(async () => expect(await page.getByTestId('query-url').count()).toBe(1));

    expect((await as(poor.orgKey, 'GET', '/api/v1/query?entities=actions,graphs')).status).toBe(200);
    await eventually(async () => expect(await page.getByTestId('remaining-credits').textContent()).toBe('1'));
    await page.getByText('This query needed 2 credits and 1 remain: its entities and filters were cleared.').waitFor();
    expect(await page.getByLabel(/actions/).isChecked()).toBe(false);
    expect(await page.getByLabel(/graphs/).isChecked()).toBe(false);
    expect(await page.getByLabel('Maximum items per entity').inputValue()).toBe('');
    await eventually(async () => expect(await page.getByTestId('query-url').count()).toBe(0));
    // One credit left: one entity can still be chosen, a second cannot.
    await page.getByLabel(/actions/).check();
    expect(await page.getByLabel(/graphs/).isDisabled()).toBe(true);
    // ...and the page says why, where the boxes are, not only in a tooltip.
    const why = '1 credit remains today: no more entities can be added until the pool resets.';
    await page.getByText(why).waitFor();
    expect(await page.getByLabel(/graphs/).getAttribute('aria-describedby').then((id) => page.locator(`#${id}`).textContent())).toContain(why);
  });

  it('fits a phone screen: no page-wide horizontal scrolling on either page', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    await signIn(page, t.instanceId, t.adminEmail, t.password);
    await page.getByRole('heading', { name: 'Query builder' }).waitFor();
    const pageWidth = () => page.evaluate<number>('document.documentElement.scrollWidth');
    expect(await pageWidth()).toBeLessThanOrEqual(360);
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await page.locator('table.keys tbody tr').first().waitFor();
    expect(await pageWidth()).toBeLessThanOrEqual(360);
    // The key table scrolls in its own box, which the keyboard can reach.
    const list = page.getByRole('region', { name: 'Key list' });
    expect(await list.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    expect(await list.getAttribute('tabindex')).toBe('0');
  });

  it('shows each page only to the roles its API allows, and signing out ends the session', async () => {
    const queryAdmin = await createUser(t, { query: 'admin' });
    await signIn(page, t.instanceId, queryAdmin.email, queryAdmin.password);
    await page.getByRole('heading', { name: 'Query builder' }).waitFor();
    expect(await page.getByLabel(/actions/).count()).toBe(1);
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByText('Key administration needs the admin role of the Users module.').waitFor();

    const reader = await createUser(t, { query: 'reader' });
    // Signing out ends the session on the platform, not only in the page.
    const token = String(await page.evaluate("JSON.parse(sessionStorage.getItem('tollgate.console.session')).token"));
    expect((await call('GET', '/api/v1/auth/me', bearer(token))).status).toBe(200);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await eventually(async () => expect((await call('GET', '/api/v1/auth/me', bearer(token))).status).toBe(401));
    await signIn(page, t.instanceId, reader.email, reader.password);
    await page.getByRole('link', { name: 'Query builder' }).click();
    await page.getByText('The query builder is for administrators of at least one module.').waitFor();
  });
});
