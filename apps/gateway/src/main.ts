import 'reflect-metadata';
import { loadConfigOrExit } from '@tollgate/config';
import { runService } from '@tollgate/service-runtime';
import { AppModule } from './app.module';
import { allowCrossOrigin } from './cors/cross-origin';
import { gatewayConfigSchema } from './config/gateway.config';
import { setUpOpenApi } from './openapi/openapi';
import { serveConsole } from './console/console-assets';
import { servePlaygroundAssets } from './query/graphql-playground';
import { answerGraphqlMediaType } from './query/graphql-media-type';
import { smallBodyLimit } from './body-limits';
import { authenticateLargeBodies } from './auth/large-body-authentication';

const config = loadConfigOrExit(gatewayConfigSchema);
void runService({
  name: 'gateway',
  module: AppModule.forRoot(config),
  host: config.HOST,
  port: config.PORT,
  logLevel: config.LOG_LEVEL,
  bodyLimitBytes: config.BODY_LIMIT_BYTES,
  bodyLimitFor: smallBodyLimit,
  trustProxy: config.TRUST_PROXY,
  shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
  configure: async (app) => {
    authenticateLargeBodies(app);
    allowCrossOrigin(app, config.CORS_ORIGINS);
    setUpOpenApi(app);
    await servePlaygroundAssets(app);
    answerGraphqlMediaType(app);
    await serveConsole(app);
  },
});
