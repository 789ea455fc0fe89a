import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { onSendHookHandler } from 'fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { largeBodyRoute, SMALL_BODY_LIMIT_BYTES } from '../body-limits';
import { addCommonErrors, ApiError } from './api-errors';

/** The published contract: built from the controllers' decorators and DTOs, so it cannot drift from them. */
export function setUpOpenApi(app: NestFastifyApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Tollgate API')
    .setDescription('API keys, metered data queries, batch ingest and flow endpoints.')
    .setVersion('1')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, 'apiKey')
    // Not JWTs (the default format said so): keys, sessions and the operator token are opaque strings.
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque', description: 'API key, console session or operator token' }, 'bearer')
    .addApiKey({ type: 'apiKey', in: 'query', name: 'access_token' }, 'accessToken')
    .addApiKey({ type: 'apiKey', in: 'query', name: 'key' }, 'keyParameter')
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'an API key as the user name or the password, for webhook senders that offer nothing else' }, 'basic')
    .build();
  const document = describeLargeBodies(addCommonErrors(SwaggerModule.createDocument(app, config, { extraModels: [ApiError] })));
  declareUtf8(app, '/api/docs');
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}

/**
 * The routes that take large bodies from authenticated senders only say when a body within their
 * limit is still a 413: over SMALL_BODY_LIMIT_BYTES, from a sender not authenticated before the
 * body is read (see authenticateLargeBodies).
 */
function describeLargeBodies(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    const route = largeBodyRoute({ url: path.replace(/\{(\w+)\}/g, ':$1') });
    if (!route || route.auth.anonymous) continue;
    for (const operation of [item.post, item.put, item.patch, item.delete]) {
      const tooLarge = operation?.responses[413];
      if (!operation || !tooLarge || !('description' in tooLarge)) continue;
      operation.responses[413] = {
        ...tooLarge,
        description:
          `${tooLarge.description}; a body over ${SMALL_BODY_LIMIT_BYTES} bytes also needs its key or session in a header or the URL, ` +
          'verified before the body is read (an `access_token` in the body cannot be looked at before then)',
      };
    }
  }
  return document;
}

const TEXT_WITHOUT_CHARSET = /^(text\/html|application\/javascript)\s*$/i;

/**
 * Swagger UI's routes answer its page as `text/html` and its script as `application/javascript`,
 * with no charset: a browser may then read the page in another encoding. They say UTF-8, as every
 * other page of the gateway does. Only on the routes registered under `prefix` from here on, so
 * that no other request pays for the hook.
 */
function declareUtf8(app: NestFastifyApplication, prefix: string): void {
  const withCharset: onSendHookHandler = async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && TEXT_WITHOUT_CHARSET.test(type)) void reply.header('content-type', `${type.trim()}; charset=utf-8`);
    return payload;
  };
  app.getHttpAdapter().getInstance().addHook('onRoute', (route) => {
    if (!route.url.startsWith(prefix)) return;
    const existing = route.onSend ? [route.onSend].flat() : [];
    route.onSend = [...existing, withCharset] as typeof route.onSend;
  });
}
