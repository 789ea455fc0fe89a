import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { decodeBody } from './get-body';

/**
 * Trigger bodies may have any content type: what no other parser claims arrives as bytes (within
 * the body limit) instead of being refused with 415. JSON and forms keep the standard parsers;
 * the JSON-based types (`…+json`) are parsed as JSON too.
 */
export function registerRawBodyParsers(app: NestFastifyApplication, bodyLimit: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  fastify.addContentTypeParser(/^application\/[\w.+-]+\+json\s*(;|$)/i, { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    try {
      done(null, decodeBody(body as Buffer, String(request.headers['content-type'] ?? '')));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
}
