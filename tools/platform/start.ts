import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { z } from 'zod';
import { parseConfig } from '../../libs/config/src';
import { launchPlatform } from './launch-platform';
import { seedDemoData } from './demo-data';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

const startConfigSchema = z.object({
  // The gateway's port; the services take the next four.
  PORT: z.coerce.number().int().min(1).max(65531, 'must leave the next four ports for the services (at most 65531)').default(8080),
  // Where this platform keeps its secrets, the demo's login and keys, and its logs.
  TOLLGATE_DATA_DIR: z.string().min(1).default(path.join(REPO_ROOT, '.data')),
});

/** Set on the process that runs the platform, which the command's own process started. */
const PLATFORM_ROLE = 'TOLLGATE_START_ROLE';

/**
 * `npm start`: the whole platform with demo data, until Ctrl-C.
 *
 * A terminal sends Ctrl-C's SIGINT to every process of its foreground group at once. Were the
 * services and an embedded PostgreSQL in that group, they would all stop at the same moment as
 * the command that should stop them in order. So the platform runs under a process of a group of
 * its own (the services, PostgreSQL and Kafka are its children), and this process, the only one
 * the terminal reaches, asks it to stop: the gateway first, then the services, Kafka, PostgreSQL.
 */
function main(): void {
  // Checked here too, so a bad value stops the command before anything is spawned.
  const config = configOrExit();
  const platform = spawn(process.execPath, [...process.execArgv, __filename], {
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [PLATFORM_ROLE]: 'platform', TOLLGATE_DATA_DIR: config.TOLLGATE_DATA_DIR },
  });
  const stop = () => {
    if (platform.connected) platform.send('stop');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', stop);
  platform.on('exit', (code) => process.exit(code ?? 1));
}

async function runPlatform(): Promise<void> {
  const config = configOrExit();
  const started = Date.now();
  process.stdout.write('Starting Tollgate: Kafka, databases, migrations, five services...\n');
  // The databases outlive a run, so the secrets that protect what is in them must too.
  const secretsFile = path.resolve(config.TOLLGATE_DATA_DIR, 'secrets.json');
  let stopRequested = false;
  // A request to stop while starting is kept, and acted on once there is a platform to stop.
  const onStop = () => {
    stopRequested = true;
  };
  process.on('message', onStop);
  // The command's process is gone (killed, or its terminal closed): nobody will ask any more.
  process.on('disconnect', onStop);

  const platform = await launchPlatform({ basePort: config.PORT, secretsFile, logDir: path.join(config.TOLLGATE_DATA_DIR, 'logs') });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nStopping Tollgate...\n');
    await platform.stop();
    process.stdout.write('Stopped.\n');
    process.exit(0);
  };
  process.off('message', onStop);
  process.off('disconnect', onStop);
  process.on('message', () => void stop());
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  if (stopRequested || !process.connected) return stop();

  let demo;
  try {
    demo = await seedDemoData(platform);
  } catch (error) {
    // Stopped while seeding: the services went away under the seeder; stop() ends the process.
    if (stopping) return;
    throw error;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const lines = [
    '',
    `Tollgate is ready (${seconds} s).`,
    '',
    `  Console        ${platform.gatewayUrl}/console   (query builder and API keys; sign in with the demo login below)`,
    `  API            ${platform.gatewayUrl}/api/v1`,
    `  API docs       ${platform.gatewayUrl}/api/docs   (OpenAPI JSON: ${platform.gatewayUrl}/api/docs-json)`,
    `  Events         ${platform.gatewayUrl}/api/asyncapi.json   (AsyncAPI: every topic and event)`,
    `  Health         ${platform.gatewayUrl}/health`,
    ...(['keys', 'credits', 'query', 'flows'] as const).map(
      (s) => `  ${s.padEnd(14)} ${platform.urls[s]}   (/health/ready, /metrics)`,
    ),
    `  Kafka          ${platform.brokers}`,
    `  PostgreSQL     ${platform.postgres.url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1@')}${platform.postgres.embedded ? '   (embedded, started for this run)' : ''}`,
    `  Logs           ${platform.logDir}`,
    '',
    `  Operator token ${platform.secrets.OPERATOR_TOKEN}${process.env.OPERATOR_TOKEN ? '' : `   (generated once, kept in ${path.relative(process.cwd(), secretsFile)}; set OPERATOR_TOKEN to choose one)`}`,
    '',
    ...demo.lines,
    '',
    'Press Ctrl-C to stop.',
    '',
  ];
  if (!stopping) process.stdout.write(lines.join('\n'));
}

function configOrExit(): z.infer<typeof startConfigSchema> {
  try {
    return parseConfig(startConfigSchema);
  } catch (error) {
    return fail(error);
  }
}

function fail(error: unknown): never {
  process.stderr.write(`Tollgate did not start: ${(error as Error).message}\n`);
  process.exit(1);
}

if (process.env[PLATFORM_ROLE] === 'platform') runPlatform().catch(fail);
else main();
