import 'reflect-metadata';
import { loadConfigOrExit } from '@tollgate/config';
import { runService } from '@tollgate/service-runtime';
import { AppModule } from './app.module';
import { flowsConfigSchema } from './config/flows.config';

const config = loadConfigOrExit(flowsConfigSchema);
void runService({
  name: 'flows',
  module: AppModule.forRoot(config),
  host: config.HOST,
  port: config.PORT,
  shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
});
