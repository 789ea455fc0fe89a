import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '@tollgate/testing';
import { url } from '../identity/identity-e2e.fixture';

/** Signs in on the console's page, as a person would. */
export async function signIn(page: Page, instance: string, email: string, password: string): Promise<void> {
  await page.goto(url('/console'));
  await page.getByLabel('Instance').fill(instance);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export interface ConsolePages {
  /** This test's page, fresh for each test. */
  readonly page: Page;
  /** What went wrong on the page so far; each test must end with none (take out what a test expects). */
  readonly problems: string[];
}

/**
 * The hooks of a console test file: one headless Chromium, a fresh page per test, and after each
 * test no page error, no console error and no request outside this gateway (no CDN).
 */
export function useConsolePages(): ConsolePages {
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  beforeEach(async () => {
    page = await browser.newPage();
    page.on('pageerror', (error) => problems.push(error.message));
    // The browser logs every refused request itself (a wrong password is one); anything else is the console's.
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console: ${message.text()}`);
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(url('/'))) problems.push(`outside request: ${request.url()}`);
    });
  });

  afterEach(async () => {
    await page.close();
    expect(problems.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
  });

  return {
    get page() {
      return page;
    },
    problems,
  };
}
