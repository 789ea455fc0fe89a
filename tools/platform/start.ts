import * as path from 'node:path';
import { z } from 'zod';
import { parseConfig } from '../../libs/config/src';
import { launchPlatform } from './launch-platform';
import { seedDemoData } from './demo-data';

const startConfigSchema = z.object({
  // The gateway's port; the services take the next four.
  PORT: z.coerce.number().int().min(1).max(65531, 'must leave the next four ports for the services (at most 65531)').default(8080),
});

/** `npm start`: the whole platform with demo data, until Ctrl-C. */
async function main(): Promise<void> {
  const config = parseConfig(startConfigSchema);
  const started = Date.now();
  process.stdout.write('Starting Tollgate: Kafka, databases, migrations, five services...\n');
  // The databases outlive a run, so the secrets that protect what is in them must too.
  const secretsFile = path.resolve(__dirname, '..', '..', '.data', 'secrets.json');
  const platform = await launchPlatform({ basePort: config.PORT, secretsFile });
  const demo = await seedDemoData(platform);
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
  process.stdout.write(lines.join('\n'));

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nStopping Tollgate...\n');
    await platform.stop();
    process.stdout.write('Stopped.\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error) => {
  process.stderr.write(`Tollgate did not start: ${(error as Error).message}\n`);
  process.exit(1);
});
