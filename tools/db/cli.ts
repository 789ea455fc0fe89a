/**
 * npm run db -- migrate [database-prefix] | embedded
 *
 *   migrate   create missing databases and apply pending migrations for every service, on the
 *             server DATABASE_URL names, else the local one, else an embedded one (stopped after)
 *   embedded  run the embedded server (cluster in .data/postgres) in the foreground until Ctrl-C
 *
 * TOLLGATE_POSTGRES=embedded skips DATABASE_URL and the local server; TOLLGATE_EMBEDDED_POSTGRES_DIR
 * and TOLLGATE_EMBEDDED_POSTGRES_PORT move the embedded cluster.
 */
import { DATABASE_SERVICES, migrateService, serviceDatabaseUrl } from './databases';
import { resolvePostgres, startEmbeddedPostgres } from './local-postgres';

async function main(): Promise<number> {
  const [command = 'migrate', prefix = 'tollgate'] = process.argv.slice(2);
  if (command === 'migrate') {
    const postgres = await resolvePostgres();
    try {
      for (const service of DATABASE_SERVICES) {
        const result = await migrateService(service, serviceDatabaseUrl(service, prefix));
        const what = result.applied.length ? `applied ${result.applied.join(', ')}` : 'up to date';
        process.stdout.write(`${service}: ${result.created ? 'created, ' : ''}${what}\n`);
      }
    } finally {
      await postgres.stop();
    }
    return 0;
  }
  if (command === 'embedded') {
    const postgres = await startEmbeddedPostgres();
    process.stdout.write(`PostgreSQL ${postgres.started ? 'ready' : 'already running'} on ${postgres.url}\n`);
    if (!postgres.started) return 0;
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await postgres.stop();
    process.stdout.write('PostgreSQL stopped\n');
    return 0;
  }
  process.stderr.write('usage: npm run db -- migrate [database-prefix] | embedded\n');
  return 2;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  },
);
