import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
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
    .build();
  const document = addCommonErrors(SwaggerModule.createDocument(app, config, { extraModels: [ApiError] }));
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}
