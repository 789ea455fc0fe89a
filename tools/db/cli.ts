import { DATABASE_SERVICES, migrateService, serviceDatabaseUrl } from './databases';

/** `npm run db -- migrate`: create missing databases and apply pending migrations for every service. */
async function main(): Promise<void> {
  const [command = 'migrate', prefix = 'tollgate'] = process.argv.slice(2);
  if (command !== 'migrate') {
    process.stderr.write('usage: npm run db -- migrate [database-prefix]\n');
    process.exit(2);
  }
  for (const service of DATABASE_SERVICES) {
    const result = await migrateService(service, serviceDatabaseUrl(service, prefix));
    const what = result.applied.length ? `applied ${result.applied.join(', ')}` : 'up to date';
    process.stdout.write(`${service}: ${result.created ? 'created, ' : ''}${what}\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
