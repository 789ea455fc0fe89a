import type { Page } from 'playwright-core';
import { eventually } from '@tollgate/testing';
import { bearer, call, createInstance, createUser, issue, url, type TestInstance } from '../identity/identity-e2e.fixture';
import { defineAndLoad } from '../query/query-e2e.fixture';
import { signIn, useConsolePages } from './console-e2e.fixture';

jest.setTimeout(90_000);

describe('the admin console\'s API keys page (e2e, headless Chromium)', () => {
  let t: TestInstance;
  const pages = useConsolePages();
  let page: Page;

  beforeAll(async () => {
    t = await createInstance();
    await defineAndLoad(t.orgKey, 'actions', [{ name: 'status', type: 'string' }], [{ id: 'a1', title: 'Write report', status: 'open' }]);
    await defineAndLoad(t.orgKey, 'graphs', [{ name: 'kind', type: 'string' }], [{ id: 'g1', title: 'Process map', kind: 'flow' }]);
  });

  beforeEach(() => {
    page = pages.page;
  });

  it('issues a key for another admin, shows it once, and deletes keys so they stop working', async () => {
    const owner = await createUser(t, { query: 'admin' });
    const old = await issue(t, { kind: 'organization', description: 'old integration', scopes: ['query'] });
    await signIn(page, t.instanceId, t.adminEmail, t.password);
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('combobox', { name: /^Owner/ }).selectOption(owner.id);
    await page.getByLabel('Description').fill('Reporting for the query admin');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = await page.getByTestId('issued-key').inputValue();
    expect(key).toMatch(/^tg_\w+p$/);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url('/') });
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(key);
    const me = await call('GET', '/api/v1/auth/me', { 'x-api-key': key });
    expect(me.body).toEqual(expect.objectContaining({ kind: 'personal', userId: owner.id }));

    // A second personal key for the same user is refused with a message that says what to do.
    await page.getByRole('combobox', { name: /^Owner/ }).selectOption(owner.id);
    await page.getByLabel('Description').fill('another');
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('already has an active personal key');

    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByTestId('issued-key').count()).toBe(0);
    const row = (id: string) => page.locator(`tr[data-key-id="${id}"]`);
    await expect(row(me.body.keyId).textContent()).resolves.toContain(owner.email);

    page.once('dialog', (dialog) => void dialog.accept());
    await row(me.body.keyId).getByRole('checkbox').check();
    await row(old.id).getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Delete (2)' }).click();
    await eventually(async () => expect(await row(old.id).textContent()).toContain('revoked'));
    await expect(row(me.body.keyId).textContent()).resolves.toContain('revoked');
    expect((await call('GET', '/api/v1/auth/me', { 'x-api-key': key })).status).toBe(401);
    expect((await call('GET', '/api/v1/auth/me', { 'x-api-key': old.key })).status).toBe(401);
  });

  it('issues and copies a key with the keyboard alone', async () => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url('/') });
    await signIn(page, t.instanceId, t.adminEmail, t.password);
    await page.getByRole('link', { name: 'API keys' }).press('Enter');
    await page.getByLabel('Kind').selectOption('organization');
    await page.getByLabel('Description').fill('keyboard only');
    await page.getByLabel('Description').press('Enter');
    const issued = page.getByTestId('issued-key');
    await eventually(async () => expect(await issued.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true));
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(await issued.inputValue());
  });

  it('lists, issues and deletes keys while the entity types cannot be read, and both pages recover', async () => {
    const doomed = await issue(t, { kind: 'organization', description: 'leaked', scopes: ['query'] });
    await page.route('**/api/v1/entities', (route) => route.abort('connectionrefused'));
    await signIn(page, t.instanceId, t.adminEmail, t.password);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('The entity types cannot be listed');

    await page.getByRole('link', { name: 'API keys' }).click();
    const row = page.locator(`tr[data-key-id="${doomed.id}"]`);
    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Delete (1)' }).click();
    await eventually(async () => expect(await row.textContent()).toContain('revoked'));
    expect((await call('GET', '/api/v1/auth/me', { 'x-api-key': doomed.key })).status).toBe(401);
    // Only a data key needs the entity list, and it says so.
    await page.getByLabel('Kind').selectOption('data');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('The entity list cannot be read');

    await page.unroute('**/api/v1/entities');
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('group', { name: 'Entities it may read' }).getByLabel('graphs').waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);

    await page.route('**/api/v1/entities', (route) => route.abort('connectionrefused'));
    await page.getByRole('link', { name: 'Query builder' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('The entity types cannot be listed');
    await page.unroute('**/api/v1/entities');
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByLabel(/actions/).waitFor();
  });

  it('shows a key whose owner lost the admin role as deactivated, with the reason', async () => {
    const owner = await createUser(t, { query: 'admin' });
    const key = await issue(t, { kind: 'personal', ownerId: owner.id, description: 'until the downgrade', scopes: ['query'] });
    expect((await call('PATCH', `/api/v1/users/${owner.id}`, bearer(t.session), { roles: { query: 'reader' } })).status).toBe(200);
    // The deactivation follows the downgrade event: wait for the API to say so before opening the page.
    await eventually(async () => {
      const { body } = await call('GET', '/api/v1/keys', bearer(t.session));
      expect(body.keys.find((k: { id: string }) => k.id === key.id).status).toBe('deactivated');
    });
    await signIn(page, t.instanceId, t.adminEmail, t.password);
    await page.getByRole('link', { name: 'API keys' }).click();
    const row = page.locator(`tr[data-key-id="${key.id}"]`);
    await row.waitFor();
    expect((await row.innerText()).replace(/\s+/g, ' ')).toContain('deactivated owner downgraded');
    // Still listed and selectable, so it can be deleted.
    expect(await row.getByRole('checkbox').isEnabled()).toBe(true);
  });
});
