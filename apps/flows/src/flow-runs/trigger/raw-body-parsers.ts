import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * Trigger bodies may have any content type: what no other parser claims arrives as bytes (within
 * the body limit) instead of being refused with 415. JSON keeps the standard parser.
 */
export function registerRawBodyParsers(app: NestFastifyApplication, bodyLimit: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
}
