import 'reflect-metadata';
import { loadConfigOrExit } from '@tollgate/config';
import { runService } from '@tollgate/service-runtime';
import { AppModule } from './app.module';
import { flowsConfigSchema } from './config/flows.config';
import { registerRawBodyParsers } from './flow-runs/trigger/raw-body-parsers';

const config = loadConfigOrExit(flowsConfigSchema);
void runService({
  name: 'flows',
  module: AppModule.forRoot(config),
  host: config.HOST,
  port: config.PORT,
  logLevel: config.LOG_LEVEL,
  bodyLimitBytes: config.FLOWS_BODY_LIMIT_BYTES,
  shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
  configure: (app) => registerRawBodyParsers(app, config.FLOWS_BODY_LIMIT_BYTES),
});
