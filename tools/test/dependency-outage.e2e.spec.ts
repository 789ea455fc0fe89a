import { randomBytes } from 'node:crypto';
import { api, collectMessages, eventually, type ApiResponse } from '@tollgate/testing';
import type { LocalKafka } from '../kafka/local-kafka';
import type { RunningPlatform } from '../platform/launch-platform';
import { closeDatabase, reopenDatabase, startOwnPlatform, type OwnPlatform } from './own-platform';

jest.setTimeout(180_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every connection to the database is cut, and new ones are refused, for `ms`. */
async function outage(databaseUrl: string, ms: number): Promise<void> {
  await closeDatabase(databaseUrl);
  await sleep(ms);
  await reopenDatabase(databaseUrl);
}

/**
 * A platform of its own, on a broker of its own, whose databases are cut and whose broker is
 * stopped under load: what a client sees meanwhile, and that the credits ledger is exact and every
 * event is published afterwards.
 */
describe('metered requests through database and broker outages', () => {
  let own: OwnPlatform;
  let kafka: LocalKafka;
  let platform: RunningPlatform;
  let key = '';
  let instanceId = '';
  const gw = (path: string) => `${platform.gatewayUrl}${path}`;
  const operator = () => ({ authorization: `Bearer ${platform.secrets.OPERATOR_TOKEN}` });

  beforeAll(async () => {
    own = await startOwnPlatform('outage', 60);
    ({ kafka, platform } = own);
    instanceId = `o${randomBytes(4).toString('hex')}`;
    const ok = (r: ApiResponse, status: number) => {
      if (r.status !== status) throw new Error(`${r.status} ${r.text}`);
      return r.body;
    };
    ok(await api('POST', gw('/api/v1/operator/instances'), { headers: operator(), body: { id: instanceId, name: 'Outage', dailyCredits: 100_000, timezone: 'UTC' } }), 201);
    const password = randomBytes(9).toString('base64url');
    const email = `admin@${instanceId}.test`;
    ok(await api('POST', gw(`/api/v1/operator/instances/${instanceId}/users`), { headers: operator(), body: { email, name: 'Admin', password, roles: { users: 'admin', query: 'admin' } } }), 201);
    const { token } = ok(await api('POST', gw('/api/v1/auth/login'), { body: { instance: instanceId, email, password } }), 200);
    key = ok(await api('POST', gw('/api/v1/keys'), { headers: { authorization: `Bearer ${token}` }, body: { kind: 'organization', description: 'outage', scopes: ['query', 'ingest'] } }), 201).key;
    ok(await api('POST', gw('/api/v1/entities'), { headers: { 'x-api-key': key }, body: { name: 'items', primaryKey: 'id', fields: [{ name: 'status', type: 'string' }] } }), 201);
    const rows = Array.from({ length: 20 }, (_, i) => ({ id: `i${i}`, title: `Item ${i}`, status: 'open' }));
    ok(await api('POST', gw('/api/v1/entities/items/batch'), { headers: { 'x-api-key': key }, body: { operations: [{ action: 'insert', rows }] } }), 200);
  });
  afterAll(async () => {
    await own?.stop();
  });

  const balance = async () => (await api('GET', gw('/api/v1/credits'), { headers: { 'x-api-key': key } })).body;
  const outboxBacklog = async (service: 'credits' | 'query') => {
    const metrics = await (await fetch(`${platform.urls[service]}/metrics`)).text();
    return Number(/^tollgate_outbox_backlog (\d+)/m.exec(metrics)?.[1]);
  };

  it('answers 503 in the documented shape while a database is gone, serves again once it is back, and charges exactly what it served', async () => {
    const before = (await balance()).remaining as number;
    const answers: { status: number; body: any; phase: string }[] = [];
    let phase = 'before';
    let running = true;
    const client = async () => {
      while (running) {
        const r = await api('GET', gw('/api/v1/query?entities=items&limit=2'), { headers: { 'x-api-key': key } }).catch(() => undefined);
        if (r) answers.push({ status: r.status, body: r.body, phase });
      }
    };
    const byPhase = (p: string) => answers.filter((a) => a.phase === p);
    const summary = () => JSON.stringify(answers.reduce<Record<string, number>>((m, a) => ({ ...m, [`${a.phase} ${a.status}`]: (m[`${a.phase} ${a.status}`] ?? 0) + 1 }), {}));
    // Served again after each outage: pools and relays found their databases without a restart.
    const served = async (p: string) => {
      const deadline = Date.now() + 30_000;
      while (byPhase(p).filter((a) => a.status === 200).length < 20) {
        if (Date.now() > deadline) throw new Error(`fewer than 20 requests served in phase '${p}' within 30 s: ${summary()}`);
        await sleep(100);
      }
    };
    const clients = Array.from({ length: 6 }, client);
    await served('before');
    phase = 'credits down';
    await outage(platform.databaseUrls.credits, 3000);
    phase = 'credits back';
    await served('credits back');
    phase = 'query down';
    await outage(platform.databaseUrls.query, 3000);
    phase = 'query back';
    await served('query back');
    running = false;
    await Promise.all(clients);

    for (const p of ['credits back', 'query back']) expect([p, byPhase(p).slice(-10).map((a) => a.status)]).toEqual([p, Array(10).fill(200)]);
    for (const p of ['credits down', 'query down']) expect([p, byPhase(p).some((a) => a.status === 503)]).toEqual([p, true]);
    const failed = answers.filter((a) => a.status !== 200);
    for (const a of failed) {
      expect(a.status).toBe(503);
      expect(a.body).toMatchObject({ status: 'error', code: 'unavailable', message: expect.any(String), requestId: expect.any(String) });
    }

    // A debit that committed as its connection was cut is refunded by the gateway's later rounds
    // (at 2 and 10 s): once they have run, exactly the served requests are charged.
    const charged = answers.filter((a) => a.status === 200).length;
    await eventually(async () => expect((await balance()).remaining).toBe(before - charged), { timeoutMs: 20_000, intervalMs: 500 });
    const audit = await api('GET', gw(`/api/v1/operator/instances/${instanceId}/credits/audit`), { headers: operator() });
    expect(audit.body.balanced).toBe(true);

    // The events committed around the outages reach Kafka: every outbox is drained.
    for (const service of ['credits', 'query'] as const) {
      await eventually(async () => expect(await outboxBacklog(service)).toBe(0), { timeoutMs: 20_000, intervalMs: 500 });
    }
  });

  it('serves and charges while the broker is down, and publishes every charge once it is back', async () => {
    const before = (await balance()).remaining as number;
    await kafka.stop();
    const requestIds: string[] = [];
    try {
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let i = 0; i < 25; i++) {
            const r = await api('GET', gw('/api/v1/query?entities=items&limit=2'), { headers: { 'x-api-key': key } });
            expect([r.status, r.body?.status]).toEqual([200, 'ok']);
            requestIds.push(r.headers.get('x-request-id')!);
          }
        }),
      );
      // A debit never waits for Kafka: the balance is already exact, and the events wait in the outbox.
      expect((await balance()).remaining).toBe(before - 100);
      expect(await outboxBacklog('credits')).toBeGreaterThanOrEqual(100);
    } finally {
      await kafka.restart();
    }
    const collected = await collectMessages([kafka.brokers], ['tollgate.credits'], { fromBeginning: true });
    try {
      await eventually(
        async () => {
          const consumed = collected.messages.map((m) => JSON.parse(m.value)).filter((e) => e.type === 'CreditsConsumed');
          const published = consumed.map((e) => e.data.requestId).filter((id: string) => requestIds.includes(id));
          expect(published.sort()).toEqual([...requestIds].sort()); // each charge once
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
    } finally {
      await collected.stop();
    }
    // The relay marks a batch published once the broker has acknowledged it, which may be just
    // after a subscriber already read it.
    await eventually(async () => expect(await outboxBacklog('credits')).toBe(0), { timeoutMs: 20_000, intervalMs: 500 });
  });
});
