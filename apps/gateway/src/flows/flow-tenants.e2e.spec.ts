import { randomUUID } from 'node:crypto';
import { call, createInstance } from '../identity/identity-e2e.fixture';
import { defineFlow, key, trigger } from './flows-e2e.fixture';

jest.setTimeout(60_000);

/** Every instance's flows share the gateway and the flows service: one instance's runs must not hold up another's. */
describe('flows: instances sharing the platform', () => {
  it('serves a trigger while two other instances hold as many sync runs as each may (FLOWS_RUNS_PER_INSTANCE, 32)', async () => {
    const [quiet, ...busy] = await Promise.all([createInstance(), createInstance(), createInstance()]);
    const quick = await defineFlow(quiet, { name: `Quick ${randomUUID().slice(0, 6)}`, steps: [{ type: 'output', name: 'ok', from: '[1]' }] });
    const slow = await Promise.all(busy.map((b) => defineFlow(b, { name: `Slow ${randomUUID().slice(0, 6)}`, steps: [{ type: 'delay', ms: 4000 }, { type: 'output', name: 'ok', from: '[1]' }] })));
    let finished = 0;
    const held = busy.flatMap((b, i) =>
      Array.from({ length: 32 }, () => trigger('Tests', slow[i].name, { headers: key(b.orgKey) }).finally(() => finished++)),
    );
    // All 64 runs under way before the quick one is asked for.
    for (const [i, b] of busy.entries()) {
      for (;;) {
        const runs = await call('GET', `/api/v1/flows/${slow[i].id}/runs?limit=100`, key(b.orgKey));
        if (runs.body.runs?.length === 32) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const answer = await trigger('Tests', quick.name, { headers: key(quiet.orgKey) });
    expect([answer.status, answer.body.data, finished]).toEqual([200, { ok: [1] }, 0]);
    expect((await Promise.all(held)).map((r) => r.status)).toEqual(Array(64).fill(200));
  });
});
