import 'reflect-metadata';
import { loadConfigOrExit } from '@tollgate/config';
import { runService } from '@tollgate/service-runtime';
import { AppModule } from './app.module';
import { queryConfigSchema } from './config/query.config';

const config = loadConfigOrExit(queryConfigSchema);
void runService({
  name: 'query',
  module: AppModule.forRoot(config),
  host: config.HOST,
  port: config.PORT,
  logLevel: config.LOG_LEVEL,
  bodyLimitBytes: config.BATCH_MAX_BYTES,
  shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
});
