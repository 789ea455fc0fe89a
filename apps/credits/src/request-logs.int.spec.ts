import { PRINCIPAL_HEADER, PrincipalTokens } from '@tollgate/auth';
import { createTestDatabase, eventually, type TestDatabase } from '@tollgate/testing';
import { creditsMigrations } from './migrations';
import { INTERNAL_SECRET, systemFor } from './testing/credits-app.fixture';
import { parseLogLine, startCreditsProcess, type LoggedProcess } from './testing/credits-process.fixture';
import { freePort } from './testing/spawned-credits.fixture';

jest.setTimeout(60_000);

describe('the request log of a request its client gives up on (credits, from its sources)', () => {
  let db: TestDatabase;
  let service: LoggedProcess;
  let url = '';

  beforeAll(async () => {
    db = await createTestDatabase(creditsMigrations, 'credits_abort');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    service = startCreditsProcess({ PORT: String(port), DATABASE_URL: db.url, LOG_LEVEL: 'info' });
    await eventually(async () => expect((await fetch(`${url}/health/ready`)).status).toBe(200), { timeoutMs: 30_000, intervalMs: 200 });
  });
  afterAll(async () => {
    service?.kill();
    await service?.exited;
    await db?.drop();
  });

  it('writes one line for it, with its id, and counts it by route', async () => {
    const headers = { [PRINCIPAL_HEADER]: await new PrincipalTokens(INTERNAL_SECRET).sign(systemFor('inst-abort')), 'x-request-id': 'abandoned-1' };
    const blocker = await db.dataSource.createQueryRunner();
    await blocker.connect();
    await blocker.startTransaction();
    try {
      await blocker.query('LOCK TABLE credit_accounts IN ACCESS EXCLUSIVE MODE');
      await expect(fetch(`${url}/balance`, { headers, signal: AbortSignal.timeout(300) })).rejects.toThrow();
      await eventually(() => expect(service.lines.some((l) => l.includes('abandoned-1'))).toBe(true));
    } finally {
      await blocker.rollbackTransaction();
      await blocker.release();
    }
    await new Promise((r) => setTimeout(r, 500)); // the handler finishes once the lock is gone: nothing more is logged
    const lines = service.lines.filter((l) => l.includes('abandoned-1')).map(parseLogLine);
    expect(lines).toEqual([expect.objectContaining({ level: 30, msg: 'request aborted by the client', req: { id: 'abandoned-1', method: 'GET', url: '/balance' } })]);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^http_requests_aborted_total\{method="GET",route="\/balance"\} 1$/m);
  });
});
