/**
 * Key verification cost and revocation propagation. Run with
 *   npx tsx bench/keys-auth.bench.ts            (BENCH_TRIALS=200, BENCH_BASE_PORT=18150)
 *
 * 1. Cache hit, in process: CredentialVerifier.verify() for a credential already cached (no
 *    network call), p50/p99 over 100,000 calls.
 * 2. Propagation, on a running platform: from the moment a change is sent to its commit point to the
 *    first 401 the gateway answers for the key. The change is made behind the gateway's back
 *    (straight to keys, or as a host product's Kafka event), so only events can tell the gateway:
 *    - delete: DELETE /keys/:id on the keys service (KeyRevoked)
 *    - downgrade: PATCH /users/:id removing the last admin role (UserDowngraded, then KeyDeactivated)
 *    - external: a plain Kafka producer publishes UserDowngraded on tollgate.identity
 *    - sign-out: POST /sessions/end on the keys service for a cached console session (SessionEnded)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { generateCredential, PRINCIPAL_HEADER, PrincipalTokens, type Principal } from '@tollgate/auth';
import { TOPICS } from '@tollgate/contracts';
import type { KafkaBus } from '@tollgate/event-sourcing';
import { Kafka, logLevel } from 'kafkajs';
import { credentialDigest, CredentialVerifier } from '../apps/gateway/src/auth/credential-verifier';
import { KeyUsageReporter } from '../apps/gateway/src/auth/key-usage-reporter';
import type { GatewayConfig } from '../apps/gateway/src/config/gateway.config';
import type { ServiceClients } from '../apps/gateway/src/downstream/service-clients';
import { startBenchPlatform, runBench } from './bench-platform';

const TRIALS = Number(process.env.BENCH_TRIALS ?? 200);
const BASE_PORT = Number(process.env.BENCH_BASE_PORT ?? 18150);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const summary = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(3)} ms, p99 ${percentile(s, 99).toFixed(3)} ms, max ${s[s.length - 1].toFixed(3)} ms (n=${s.length})`;
};

async function cacheHitCost(): Promise<string> {
  const config = { AUTH_CACHE_TTL_MS: 3_600_000, AUTH_CACHE_MAX_ENTRIES: 1000, OPERATOR_TOKEN: 'o'.repeat(32), KEY_USAGE_FLUSH_MS: 1e9 } as GatewayConfig;
  const noNetwork = { keys: { request: () => Promise.reject(new Error('cache miss')) } } as unknown as ServiceClients;
  const usage = new KeyUsageReporter(config, { publish: async () => undefined } as unknown as KafkaBus, noNetwork);
  const verifier = new CredentialVerifier(config, noNetwork, usage);
  const key = generateCredential('organization');
  const principal: Principal = { instanceId: 'bench', kind: 'organization', keyId: randomUUID(), scopes: ['query'] };
  verifier.cache.setActive(true);
  verifier.cache.set(credentialDigest(key), principal, Date.now());
  const samples: number[] = [];
  for (let i = 0; i < 110_000; i++) {
    const t = process.hrtime.bigint();
    const p = await verifier.verify(key, { operator: false, requestId: 'r' });
    const elapsed = Number(process.hrtime.bigint() - t) / 1e6;
    if (!p) throw new Error('cache hit expected');
    if (i >= 10_000) samples.push(elapsed);
  }
  return summary(samples);
}

async function main() {
  console.log(`cache hit, in process: ${await cacheHitCost()}`);

  // Every trial ends in 401s from one address: lift the failure limit so it measures eviction, not the limiter.
  const platform = await startBenchPlatform('keys', BASE_PORT, {
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    AUTH_FAILURE_LIMIT: '1000000',
  });
  const producer = new Kafka({ brokers: platform.brokers.split(','), clientId: 'bench-host-product', logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    const gw = platform.gatewayUrl;
    const tokens = new PrincipalTokens(platform.secrets.INTERNAL_SECRET);
    const call = async (url: string, method: string, headers: Record<string, string>, body?: unknown) => {
      const res = await fetch(url, { method, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    };
    const operator = { authorization: `Bearer ${platform.secrets.OPERATOR_TOKEN}` };
    const instanceId = `bench${randomBytes(3).toString('hex')}`;
    await call(`${gw}/api/v1/operator/instances`, 'POST', operator, { id: instanceId, name: 'Bench', dailyCredits: 1000, timezone: 'UTC' });
    const admin = await call(`${gw}/api/v1/operator/instances/${instanceId}/users`, 'POST', operator, {
      email: 'admin@bench.test',
      name: 'Admin',
      roles: { users: 'admin' },
    });
    // Straight to keys, as the gateway would forward it: the gateway under test learns only from events.
    const asAdmin = async () => ({
      [PRINCIPAL_HEADER]: await tokens.sign({ instanceId, kind: 'session', userId: admin.id, roles: { users: 'admin' }, scopes: ['admin'] }),
    });
    const keys = (p: string) => `${platform.urls.keys}${p}`;
    // An API key, or a console session (tgs_…) as the console sends it.
    const credentialHeaders = (credential: string): Record<string, string> =>
      credential.startsWith('tgs_') ? { authorization: `Bearer ${credential}` } : { 'x-api-key': credential };
    const gatewayStatus = async (credential: string) => (await fetch(`${gw}/api/v1/auth/me`, { headers: credentialHeaders(credential) })).status;
    const until401 = async (key: string, t0: number) => {
      for (;;) {
        if ((await gatewayStatus(key)) === 401) return performance.now() - t0;
        if (performance.now() - t0 > 30_000) throw new Error(`key ${key.slice(0, 9)} still accepted after 30 s`);
      }
    };
    const warm = async (key: string) => {
      if ((await gatewayStatus(key)) !== 200) throw new Error('fresh credential refused');
      if ((await gatewayStatus(key)) !== 200) throw new Error('fresh credential refused');
    };

    const results: Record<string, number[]> = { delete: [], downgrade: [], external: [], signOut: [] };
    const user = await call(keys('/users'), 'POST', await asAdmin(), { email: 'owner@bench.test', name: 'Owner', roles: { query: 'admin' } });
    const password = randomBytes(12).toString('base64url');
    await call(keys('/users'), 'POST', await asAdmin(), { email: 'console@bench.test', name: 'Console', password, roles: { query: 'reader' } });
    const system = { [PRINCIPAL_HEADER]: await tokens.sign({ instanceId, kind: 'system', scopes: [] }) };
    for (let i = 0; i < TRIALS; i++) {
      const org = await call(keys('/keys'), 'POST', await asAdmin(), { kind: 'organization', description: `delete ${i}` });
      await warm(org.key);
      const headers = await asAdmin();
      let t0 = performance.now();
      await call(keys(`/keys/${org.id}`), 'DELETE', headers);
      results.delete.push(await until401(org.key, t0));

      let personal: { key: string } | undefined;
      while (!personal) {
        personal = await call(keys('/keys'), 'POST', await asAdmin(), { kind: 'personal', description: `downgrade ${i}`, ownerId: user.id }).catch(
          (error: Error) => (error.message.includes('key_exists') ? new Promise((r) => setTimeout(() => r(undefined), 20)) : Promise.reject(error)),
        ) as { key: string } | undefined;
      }
      await warm(personal.key);
      const patch = await asAdmin();
      t0 = performance.now();
      await call(keys(`/users/${user.id}`), 'PATCH', patch, { roles: { query: 'reader' } });
      results.downgrade.push(await until401(personal.key, t0));
      await call(keys(`/users/${user.id}`), 'PATCH', await asAdmin(), { roles: { query: 'admin' } });

      // The downgrade deactivated the user's key in its own commit; a fresh one can be issued at once.
      let external: { key: string } | undefined;
      while (!external) {
        external = await call(keys('/keys'), 'POST', await asAdmin(), { kind: 'personal', description: `external ${i}`, ownerId: user.id }).catch(
          (error: Error) => (error.message.includes('key_exists') ? new Promise((r) => setTimeout(() => r(undefined), 20)) : Promise.reject(error)),
        ) as { key: string } | undefined;
      }
      await warm(external.key);
      const envelope = {
        id: randomUUID(),
        type: 'UserDowngraded',
        version: 1,
        instanceId,
        aggregateId: user.id,
        sequence: 1,
        occurredAt: new Date().toISOString(),
        data: { userId: user.id },
      };
      t0 = performance.now();
      await producer.send({ topic: TOPICS.identity, acks: -1, messages: [{ key: user.id, value: JSON.stringify(envelope) }] });
      results.external.push(await until401(external.key, t0));

      const { token: session } = await call(`${gw}/api/v1/auth/login`, 'POST', {}, { instance: instanceId, email: 'console@bench.test', password });
      await warm(session);
      t0 = performance.now();
      await call(keys('/sessions/end'), 'POST', system, { credential: session });
      results.signOut.push(await until401(session, t0));
      if ((i + 1) % 50 === 0) console.log(`  ${i + 1}/${TRIALS} trials`);
    }
    console.log(`propagation, delete (KeyRevoked):        ${summary(results.delete)}`);
    console.log(`propagation, downgrade (UserDowngraded): ${summary(results.downgrade)}`);
    console.log(`propagation, external UserDowngraded:    ${summary(results.external)}`);
    console.log(`propagation, sign-out (SessionEnded):    ${summary(results.signOut)}`);
  } finally {
    await producer.disconnect();
    await platform.stop({ dropDatabases: true });
  }
}

runBench(main);
