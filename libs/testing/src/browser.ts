import { chromium, type Browser } from 'playwright-core';

/**
 * Headless Chromium for browser tests: the system's own build (Debian's `chromium` package, or
 * CHROMIUM_PATH), since test tools may not download browsers of their own.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
