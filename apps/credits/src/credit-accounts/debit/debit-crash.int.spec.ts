import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { PRINCIPAL_HEADER, PrincipalTokens } from '@tollgate/auth';
import { TOPICS, type EventEnvelope } from '@tollgate/contracts';
import { collectMessages, createTestDatabase, eventually, testBrokers, type TestDatabase } from '@tollgate/testing';
import { INTERNAL_SECRET, systemFor, uniqueInstance } from '../../testing/credits-app.fixture';
import { freePort, SpawnedCredits } from '../../testing/spawned-credits.fixture';
import { creditsMigrations } from '../../migrations';

jest.setTimeout(180_000);

describe('credits service killed (SIGKILL) in the middle of a load', () => {
  let db: TestDatabase;
  let credits: SpawnedCredits;
  let collector: Awaited<ReturnType<typeof collectMessages>>;
  const tokens = new PrincipalTokens(INTERNAL_SECRET);

  beforeAll(async () => {
    collector = await collectMessages(testBrokers(), [TOPICS.credits]);
    db = await createTestDatabase(creditsMigrations, 'credits_crash');
    credits = new SpawnedCredits(db.url, await freePort(), path.join(os.tmpdir(), `credits-crash-${process.pid}.log`));
    await credits.start();
  });
  afterAll(async () => {
    await credits?.stop();
    await collector?.stop();
    await db?.drop();
  });

  it('keeps the invariant and publishes exactly one CreditsConsumed per charged request', async () => {
    const instanceId = uniqueInstance('crash');
    const as = systemFor(instanceId);
    const call = async (method: string, p: string, body?: unknown) =>
      fetch(`${credits.url}${p}`, {
        method,
        headers: { [PRINCIPAL_HEADER]: await tokens.sign(as), 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      });
    const allowance = 1500;
    expect((await call('PUT', `/accounts/${instanceId}`, { dailyCredits: allowance, timezone: 'UTC' })).status).toBe(200);

    // A client that retries a failed call with the same request id until it gets an answer.
    const charged = new Set<string>();
    let refused = 0;
    let transportFailures = 0;
    const debitUntilAnswered = async (requestId: string) => {
      for (;;) {
        try {
          const res = await call('POST', '/debits', { requestId, cost: 1, entities: ['actions'] });
          if (res.status === 200) return void charged.add(requestId);
          if (res.status === 429) return void refused++;
          transportFailures++;
        } catch {
          transportFailures++;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const pending = Array.from({ length: 3 * allowance }, () => randomUUID());
    const worker = async () => {
      for (let id = pending.pop(); id; id = pending.pop()) await debitUntilAnswered(id);
    };
    const load = Promise.all(Array.from({ length: 32 }, worker));

    await eventually(() => expect(charged.size).toBeGreaterThan(300), { timeoutMs: 30_000 });
    await credits.kill();
    await credits.start();
    await load;

    expect(transportFailures).toBeGreaterThan(0);
    expect(charged.size).toBe(allowance);
    expect(refused).toBe(2 * allowance);
    const balance = (await (await call('GET', '/balance')).json()) as { remaining: number };
    expect(balance.remaining).toBe(0);
    const audit = await (await call('GET', `/accounts/${instanceId}/audit`)).json();
    expect(audit).toMatchObject({ allowance, consumed: allowance, remaining: 0, ledgerNet: allowance, balanced: true });

    // At-least-once relay: a copy of an event may be published again after a crash, never a second event.
    await eventually(
      () => {
        const consumed = collector.messages
          .map((m) => JSON.parse(m.value) as EventEnvelope)
          .filter((e) => e.instanceId === instanceId && e.type === 'CreditsConsumed');
        const eventIdsByRequest = new Map<string, Set<string>>();
        for (const e of consumed) {
          const requestId = e.data.requestId as string;
          eventIdsByRequest.set(requestId, (eventIdsByRequest.get(requestId) ?? new Set()).add(e.id));
        }
        expect(eventIdsByRequest.size).toBe(allowance);
        expect([...eventIdsByRequest.keys()].every((r) => charged.has(r))).toBe(true);
        expect([...eventIdsByRequest.values()].every((ids) => ids.size === 1)).toBe(true);
      },
      { timeoutMs: 60_000 },
    );
  });
});
