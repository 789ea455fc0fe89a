import type { Browser } from 'playwright-core';

/**
 * Headless Chromium for browser tests: the system's own build (Debian's `chromium` package, or
 * CHROMIUM_PATH), since test tools may not download browsers of their own. playwright-core is
 * loaded here, on first use, not by every test file that uses this library.
 */
export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
