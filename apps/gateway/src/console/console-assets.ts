import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { serveFiles, staticPlugin } from '../static-files';

/** Where the admin console is served. */
export const CONSOLE_PATH = '/console/';

/**
 * The console's own files (`apps/gateway/console`: plain ES modules, no build step). Found by
 * walking up from here, so the same code finds them from the sources, from `dist/` and in the image.
 */
function consoleDirectory(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'apps', 'gateway', 'console');
    if (fs.existsSync(path.join(candidate, 'index.html'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error('The admin console files (apps/gateway/console) are missing');
  }
}

/**
 * The console page's Content-Security-Policy. Scripts, styles and requests come from this gateway
 * only; the one inline script, the import map, is allowed by its hash, so no other inline script
 * runs even if a value ever slipped into the page as markup. Never inside another page's frame
 * either: a site could lay its own bait over the console and have a signed-in admin click through.
 */
export function consolePolicy(indexHtml: string): string {
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(indexHtml);
  if (!importMap) throw new Error('The admin console page has no import map');
  const hash = createHash('sha256').update(importMap[1]).digest('base64');
  return [
    "default-src 'none'",
    `script-src 'self' 'sha256-${hash}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The UI libraries the console imports (see its import map), from their npm packages: never a CDN. */
const VENDOR: Record<string, string> = {
  'preact.mjs': require.resolve('preact'),
  'hooks.mjs': require.resolve('preact/hooks'),
  'htm.mjs': path.join(path.dirname(require.resolve('htm')), 'htm.mjs'),
};

/**
 * Serves the admin console under CONSOLE_PATH (`/console` redirects there) and its libraries under
 * `vendor/`. The console talks to the public API only, with a session from `POST /api/v1/auth/login`.
 */
export async function serveConsole(app: NestFastifyApplication): Promise<void> {
  const root = consoleDirectory();
  const policy = consolePolicy(fs.readFileSync(path.join(root, 'index.html'), 'utf8'));
  // `/console` (no slash) is redirected here rather than by the plugin, whose redirect of a
  // directory sends its answer twice: the second send fails and the visit counts as a 500.
  app
    .getHttpAdapter()
    .getInstance()
    .get(CONSOLE_PATH.slice(0, -1), (request, reply) => {
      const query = request.url.indexOf('?');
      return reply.redirect(CONSOLE_PATH + (query >= 0 ? request.url.slice(query) : ''), 301);
    });
  await app.register(staticPlugin, {
    root,
    prefix: CONSOLE_PATH,
    redirect: false,
    wildcard: false,
    decorateReply: false,
    cacheControl: false,
    // X-Frame-Options: the frame refusal again, for browsers older than frame-ancestors.
    setHeaders: (reply: FastifyReply) => {
      void reply.header('content-security-policy', policy).header('x-frame-options', 'DENY');
      // Asked again each time (a 304 while unchanged): without it a browser may keep last
      // version's scripts for days after an upgrade, beside this version's API.
      void reply.header('cache-control', 'no-cache');
    },
  });
  await serveFiles(app, `${CONSOLE_PATH}vendor/`, VENDOR);
}
