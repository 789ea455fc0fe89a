import * as net from 'node:net';
import { createTestDatabase, eventually } from '@tollgate/testing';
import { creditsMigrations } from './migrations';
import { parseLogLine, startCreditsProcess } from './testing/credits-process.fixture';
import { freePort } from './testing/spawned-credits.fixture';

jest.setTimeout(60_000);

describe('what a service logs when it cannot start (credits, from its sources)', () => {
  it('logs each attempt to reach an unreachable database as it happens, as JSON', async () => {
    const closed = await freePort();
    const service = startCreditsProcess({ PORT: String(await freePort()), DATABASE_URL: `postgres://postgres@127.0.0.1:${closed}/credits` });
    try {
      await eventually(() => expect(service.lines.filter((l) => l.includes('Unable to connect to the database')).length).toBeGreaterThanOrEqual(2), {
        timeoutMs: 15_000,
      });
      const entries = service.lines.map(parseLogLine);
      expect(entries.filter((e) => 'notJson' in e)).toEqual([]);
      expect(entries).toContainEqual(expect.objectContaining({ level: 50, err: expect.objectContaining({ message: 'Unable to connect to the database. Retrying (1)...' }) }));
    } finally {
      service.kill();
    }
  });

  it('says in one JSON line that its port is taken, and exits', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    const db = await createTestDatabase(creditsMigrations, 'credits_start');
    const service = startCreditsProcess({ PORT: String(port), DATABASE_URL: db.url });
    try {
      expect(await service.exited).toBe(1);
      const entries = service.lines.map(parseLogLine);
      expect(entries.filter((e) => 'notJson' in e)).toEqual([]);
      expect(entries).toContainEqual(expect.objectContaining({ level: 60, msg: `credits could not start: listen EADDRINUSE: address already in use 127.0.0.1:${port}` }));
    } finally {
      service.kill();
      await new Promise((resolve) => taken.close(resolve));
      await db.drop();
    }
  });
});
