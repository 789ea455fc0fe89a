import { randomUUID } from 'node:crypto';
import { eventually } from '@tollgate/testing';
import { call, createInstance, type TestInstance } from '../identity/identity-e2e.fixture';
import { defineFlow, key, run, trigger } from './flows-e2e.fixture';

jest.setTimeout(60_000);

// Compares 100,000 objects with one another: minutes in one step that no timer can interrupt.
const STUCK = '$count($distinct([1..100000].{"v": $}))';
// JavaScript's engine would try 2^40 ways to match this; RE2 reads the text once.
const BACKTRACKS = `$contains("${'a'.repeat(40)}!", /(a+)+$/)`;
// Ten million small steps, in little memory: seconds of work, none of it one long step.
const BUSY = '$sum($map([1..100000], function($v){ $sum($map([1..100], function($w){ $w * $v })) }))';

/**
 * One instance's expression must not take down or freeze the flows service that runs every
 * instance's flows. (The e2e platform ends an expression stuck in one step after 2 s.)
 */
describe('flows: what one expression may cost the service', () => {
  let t: TestInstance;
  let quick: { name: string };
  beforeAll(async () => {
    t = await createInstance();
    quick = await defineFlow(t, { name: `Quick ${randomUUID().slice(0, 6)}`, steps: [{ type: 'output', name: 'ok', from: '[$sum([1..100])]' }] });
  });
  const served = async () => {
    const res = await trigger('Tests', quick.name, { headers: key(t.orgKey) });
    return [res.status, res.body.data?.ok];
  };
  /** Waits until the flow's one run is under way. */
  const running = (flow: { id: string }) =>
    eventually(async () => {
      const res = await call('GET', `/api/v1/flows/${flow.id}/runs`, key(t.orgKey));
      expect(res.body.runs?.map((r: { status: string }) => r.status)).toEqual(['running']);
    });

  it('stops a busy expression at the timeout while other flows are served', async () => {
    const busy = await defineFlow(t, { name: `Busy ${randomUUID().slice(0, 6)}`, steps: [{ type: 'debug', expr: BUSY }] });
    const started = Date.now();
    const answers: string[] = [];
    // Long enough that the quick flow is answered first even on a busy machine, unless the busy
    // expression holds the whole service (then nothing answers before it ends, some 30 s later).
    const stopped = trigger('Tests', busy.name, { headers: key(t.orgKey), query: '?timeout=2000' }).then((res) => (answers.push('busy'), res));
    await running(busy);
    expect(await served()).toEqual([200, [5050]]);
    answers.push('quick');
    const res = await stopped;
    expect([res.status, res.body.code]).toEqual([504, 'timeout']);
    expect(answers).toEqual(['quick', 'busy']);
    // Answered at its timeout, long before the expression would have ended by itself.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('fails a flow whose expression needs more memory than an expression may use, and goes on serving', async () => {
    const hungry = await defineFlow(t, { name: `Hungry ${randomUUID().slice(0, 6)}`, steps: [{ type: 'debug', id: 'all', expr: '[1..10000000].$string()' }] });
    const res = await trigger('Tests', hungry.name, { headers: key(t.orgKey), query: '?timeout=30000' });
    expect([res.status, res.body.code]).toEqual([500, 'flow_failed']);
    expect(res.body.message).toMatch(/^step 1 "all" \(debug\) failed: this or another expression evaluated beside it needed more than the 128 MB an expression may use$/);
    expect((await run(t, res.headers.get('x-flow-process-id')!)).body).toMatchObject({ status: 'failed', error: { code: 'flow_failed' } });
    expect(await served()).toEqual([200, [5050]]);
  });

  it("fails a flow whose expression's value is larger than the service takes of one", async () => {
    const large = await defineFlow(t, { name: `Large ${randomUUID().slice(0, 6)}`, steps: [{ type: 'output', id: 'big', name: 'big', from: '[$pad("", 40000000, "x")]' }] });
    const res = await trigger('Tests', large.name, { headers: key(t.orgKey) });
    expect([res.status, res.body.code, res.body.message]).toEqual([500, 'flow_failed', `step 1 "big" (output) failed: the expression's value is larger than 32 MB of JSON`]);
    expect(await served()).toEqual([200, [5050]]);
  });

  it('matches a regular expression that would backtrack for hours as any other, and refuses lookaround when the flow is saved', async () => {
    const matching = await defineFlow(t, { name: `Match ${randomUUID().slice(0, 6)}`, steps: [{ type: 'output', name: 'found', from: `[${BACKTRACKS}]` }] });
    const res = await trigger('Tests', matching.name, { headers: key(t.orgKey), query: '?timeout=5000' });
    expect([res.status, res.body.data?.found]).toEqual([200, [false]]);
    const refused = await call('POST', '/api/v1/flows', key(t.orgKey), {
      app: 'Tests',
      name: `Lookahead ${randomUUID().slice(0, 6)}`,
      steps: [{ type: 'output', name: 'x', from: '[$contains("ab", /a(?=b)/)]' }],
    });
    expect([refused.status, refused.body.code]).toEqual([400, 'validation_failed']);
    expect(JSON.stringify(refused.body)).toContain('lookaround and backreferences are not supported');
  });

  it('answers a run stuck in one step at its timeout, serves others meanwhile, and ends the step', async () => {
    const stuck = await defineFlow(t, { name: `Stuck ${randomUUID().slice(0, 6)}`, steps: [{ type: 'debug', id: 'match', expr: STUCK }] });
    const started = Date.now();
    const timedOut = trigger('Tests', stuck.name, { headers: key(t.orgKey), query: '?timeout=1000' });
    await running(stuck);
    // Before the flows service kept its expressions apart, the step held its only thread: nothing answered.
    expect(await served()).toEqual([200, [5050]]);
    const res = await timedOut;
    // 504 at the run's timeout, not the step's failure once the step limit (2 s) ends it.
    expect([res.status, res.body.code]).toEqual([504, 'timeout']);
    expect(Date.now() - started).toBeLessThan(15_000);

    // With time to spare, the step itself is ended after the step limit.
    const failed = await trigger('Tests', stuck.name, { headers: key(t.orgKey), query: '?timeout=20000' });
    expect([failed.status, failed.body.code]).toEqual([500, 'flow_failed']);
    expect(failed.body.message).toContain('step 1 "match" (debug) failed: one step of this or another expression evaluated beside it ran for over 2 s');
    expect(await served()).toEqual([200, [5050]]);
  });
});
