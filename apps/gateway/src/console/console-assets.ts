import * as fs from 'node:fs';
import * as path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

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

/** The UI libraries the console imports (see its import map), from their npm packages: never a CDN. */
const VENDOR: Record<string, string> = {
  'preact.mjs': require.resolve('preact'),
  'hooks.mjs': require.resolve('preact/hooks'),
  'htm.mjs': path.join(path.dirname(require.resolve('htm')), 'htm.mjs'),
};

type StaticPlugin = Parameters<NestFastifyApplication['register']>[0];

/**
 * Serves the admin console under CONSOLE_PATH (`/console` redirects there) and its libraries under
 * `vendor/`. The console talks to the public API only, with a session from `POST /api/v1/auth/login`.
 */
export async function serveConsole(app: NestFastifyApplication): Promise<void> {
  // The plugin is typed against the root fastify package, Nest's adapter against its own copy of it.
  await app.register(fastifyStatic as unknown as StaticPlugin, {
    root: consoleDirectory(),
    prefix: CONSOLE_PATH,
    redirect: true,
    wildcard: false,
    decorateReply: false,
    cacheControl: false,
  });
  const vendorRoots = [...new Set(Object.values(VENDOR).map((file) => path.dirname(file)))];
  await app.register(fastifyStatic as unknown as StaticPlugin, {
    root: vendorRoots,
    prefix: `${CONSOLE_PATH}vendor/`,
    decorateReply: false,
    wildcard: false,
    maxAge: '1d',
    allowedPath: (pathName: string, root: string | undefined) => {
      const name = pathName.replace(/^\//, '');
      return VENDOR[name] !== undefined && root !== undefined && path.dirname(VENDOR[name]) === path.resolve(root);
    },
  });
}
