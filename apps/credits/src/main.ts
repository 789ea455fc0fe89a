import 'reflect-metadata';
import { loadConfigOrExit } from '@tollgate/config';
import { runService } from '@tollgate/service-runtime';
import { AppModule } from './app.module';
import { creditsConfigSchema } from './config/credits.config';

const config = loadConfigOrExit(creditsConfigSchema);
void runService({
  name: 'credits',
  module: AppModule.forRoot(config),
  host: config.HOST,
  port: config.PORT,
  logLevel: config.LOG_LEVEL,
  shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
});
