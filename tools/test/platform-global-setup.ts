import './register-paths';
import { buildServices } from '../platform/build-services';
import * as path from 'node:path';
import { launchPlatform, type RunningPlatform } from '../platform/launch-platform';
import { e2eCorsOrigin } from '../../libs/testing/src/platform';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * End-to-end tier: builds the services into a run-private folder and starts the whole platform
 * on E2E_BASE_PORT (default 18080) with fresh databases, so it never collides with a platform
 * started by `npm start`. Tests reach it through the variables set here.
 */
export default async function platformGlobalSetup(): Promise<void> {
  const basePort = Number(process.env.E2E_BASE_PORT ?? 18080);
  // The test command builds once into dist/ and passes E2E_DIST_DIR; ad-hoc runs build privately.
  const prebuilt = process.env.E2E_DIST_DIR;
  const distDir = prebuilt ? path.resolve(REPO_ROOT, prebuilt) : path.join(REPO_ROOT, '.data', `e2e-dist-${basePort}`);
  if (!prebuilt) buildServices(distDir);
  const platform = await launchPlatform({
    basePort,
    databasePrefix: `tollgate_e2e_${basePort}`,
    freshDatabases: true,
    distDir,
    logDir: path.join(REPO_ROOT, '.data', `e2e-logs-${basePort}`),
    // The gateway stops following credit events a second after the last console closes (a minute
    // by default), so the suite can see it let go; an expression stuck in one step is ended after
    // 2 s (10 by default), so the suite can see that too; an expression may use 128 MB (256 by
    // default), so one that needs too much runs out in a second, not in the half minute of
    // collecting garbage that filling 256 MB with small values takes on a machine like CI's.
    env: {
      LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'info',
      BALANCE_FEED_LINGER_MS: '1000',
      CORS_ORIGINS: e2eCorsOrigin(),
      FLOWS_EXPRESSION_STEP_LIMIT_MS: '2000',
      FLOWS_EXPRESSION_MEMORY_MB: '128',
      // A streamed answer nobody reads ends after 6 s (30 by default), so the suite can see who pays.
      QUERY_STREAM_STALL_MS: '6000',
    },
  });
  (globalThis as { __tollgatePlatform?: RunningPlatform }).__tollgatePlatform = platform;
  process.env.E2E_GATEWAY_URL = platform.gatewayUrl;
  process.env.E2E_OPERATOR_TOKEN = platform.secrets.OPERATOR_TOKEN;
  process.env.E2E_INTERNAL_SECRET = platform.secrets.INTERNAL_SECRET;
  process.env.E2E_URLS = JSON.stringify(platform.urls);
  process.env.E2E_DATABASE_URLS = JSON.stringify(platform.databaseUrls);
  process.env.E2E_LOG_DIR = platform.logDir;
  process.env.E2E_DIST_DIR = distDir;
  process.env.KAFKA_BROKERS = platform.brokers;
}
