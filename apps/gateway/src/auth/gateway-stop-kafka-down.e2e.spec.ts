import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { api, ownGatewayLive, spawnOwnGateway, stopOwnGateway } from '@tollgate/testing';
import { bearer, call, createInstance, issue } from '../identity/identity-e2e.fixture';

jest.setTimeout(90_000);

/** A gateway of this file's own whose Kafka never answers: its brokers' address is a port nothing listens on. */
const PORT = Number(process.env.E2E_BASE_PORT ?? 18080) + 35;
const NO_KAFKA = `127.0.0.1:${PORT + 1}`;
const GRACE_MS = 4000;

describe('stopping a gateway while Kafka is unreachable', () => {
  let gateway: ChildProcess | undefined;
  afterAll(() => {
    if (gateway?.exitCode === null) gateway.kill('SIGKILL');
  });

  it('hands the key use it could not publish to keys: the key counts every request it served', async () => {
    const t = await createInstance();
    const caller = await issue(t, { kind: 'organization', description: 'calls through a gateway without Kafka' });
    const own = spawnOwnGateway(PORT, `e2e-stop-kafka-down-gateway-${PORT}.log`, {
      KAFKA_BROKERS: NO_KAFKA,
      // Reports keep failing while it serves, so one is still being retried when it stops.
      KEY_USAGE_FLUSH_MS: '500',
      SHUTDOWN_GRACE_MS: String(GRACE_MS),
      LOG_LEVEL: 'info',
    });
    gateway = own.process;
    await ownGatewayLive(own);

    for (let i = 0; i < 5; i++) {
      expect((await api('GET', `${own.url}/api/v1/auth/me`, { headers: { 'x-api-key': caller.key } })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const { exitCode, ms } = await stopOwnGateway(gateway);
    expect({ exitCode, withinGrace: ms < GRACE_MS + 500 }).toEqual({ exitCode: 0, withinGrace: true });

    const keys = await call<{ keys: { id: string; useCount: number }[] }>('GET', '/api/v1/keys', bearer(t.session));
    expect(keys.body.keys.find((k) => k.id === caller.id)).toMatchObject({ useCount: 5 });
    expect(fs.readFileSync(own.log, 'utf8')).toContain('key usage handed to keys');
  });
});
