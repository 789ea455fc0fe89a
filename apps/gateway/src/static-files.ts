import * as path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';

/** The plugin is typed against the root fastify package, Nest's adapter against its own copy of it. */
export const staticPlugin = fastifyStatic as unknown as Parameters<NestFastifyApplication['register']>[0];

/**
 * Serves exactly these files (URL name → file on disk, typically inside npm packages) under
 * `prefix`, and nothing else of the folders they sit in: a self-hosted gateway may have no way out
 * to a CDN, and a CDN would learn who uses it.
 */
export async function serveFiles(app: NestFastifyApplication, prefix: string, files: Record<string, string>): Promise<void> {
  const roots = [...new Set(Object.values(files).map((file) => path.dirname(file)))];
  await app.register(staticPlugin, {
    root: roots,
    prefix,
    decorateReply: false,
    wildcard: false,
    // Asked again each time (a 304 while unchanged): the names carry no version, and a browser
    // that kept last version's library beside this version's pages would show a broken page.
    cacheControl: false,
    setHeaders: (reply: FastifyReply) => void reply.header('cache-control', 'no-cache'),
    allowedPath: (pathName: string, root: string | undefined) => {
      const name = pathName.replace(/^\//, '');
      return files[name] !== undefined && root !== undefined && path.dirname(files[name]) === path.resolve(root);
    },
  });
}
