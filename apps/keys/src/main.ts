import 'reflect-metadata';
import { loadConfigOrExit } from '@tollgate/config';
import { runService } from '@tollgate/service-runtime';
import { AppModule } from './app.module';
import { keysConfigSchema } from './config/keys.config';

const config = loadConfigOrExit(keysConfigSchema);
void runService({
  name: 'keys',
  module: AppModule.forRoot(config),
  host: config.HOST,
  port: config.PORT,
  logLevel: config.LOG_LEVEL,
  shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
});
