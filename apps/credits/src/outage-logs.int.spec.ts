import { Client } from 'pg';
import { PRINCIPAL_HEADER, PrincipalTokens } from '@tollgate/auth';
import { createTestDatabase, eventually, type TestDatabase } from '@tollgate/testing';
import { creditsMigrations } from './migrations';
import { INTERNAL_SECRET, systemFor } from './testing/credits-app.fixture';
import { parseLogLine, startCreditsProcess, type LoggedProcess } from './testing/credits-process.fixture';
import { freePort } from './testing/spawned-credits.fixture';

jest.setTimeout(60_000);

/** Runs SQL on the server's maintenance database, beside the test database. */
async function onServer(db: TestDatabase, sql: string): Promise<void> {
  const server = new URL(db.url);
  server.pathname = '/postgres';
  const client = new Client({ connectionString: server.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('what a service logs while its database is away (credits, from its sources)', () => {
  let db: TestDatabase;
  let service: LoggedProcess;
  let url = '';

  beforeAll(async () => {
    db = await createTestDatabase(creditsMigrations, 'credits_outage');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    service = startCreditsProcess({ PORT: String(port), DATABASE_URL: db.url });
    await eventually(async () => expect((await fetch(`${url}/health/ready`)).status).toBe(200), { timeoutMs: 30_000, intervalMs: 200 });
  });
  afterAll(async () => {
    service?.kill();
    await service?.exited;
    if (db) {
      await onServer(db, `ALTER DATABASE "${new URL(db.url).pathname.slice(1)}" ALLOW_CONNECTIONS true`);
      await db.drop();
    }
  });

  it('writes one line per failed request and says once, not per request, that the database is unavailable', async () => {
    const name = new URL(db.url).pathname.slice(1);
    await onServer(db, `ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
    await onServer(db, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);
    const headers = { [PRINCIPAL_HEADER]: await new PrincipalTokens(INTERNAL_SECRET).sign(systemFor('inst-outage')) };
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(`${url}/balance`, { headers })).status);
    expect(statuses).toEqual([503, 503, 503, 503, 503, 503]);

    await eventually(() => expect(service.lines.filter((l) => l.includes('"url":"/balance"')).length).toBe(6));
    const entries = service.lines.map(parseLogLine);
    const said = (start: string) => entries.filter((e) => 'msg' in e && e.msg?.startsWith(start)).length;
    expect(said('request failed')).toBe(6);
    expect(said('requests failing: database unavailable')).toBe(1);
  });
});
