import { randomUUID } from 'node:crypto';
import { TOPICS } from '@tollgate/contracts';
import { collectMessages, eventually, testBrokers } from '@tollgate/testing';
import { call, createInstance, type TestInstance } from '../identity/identity-e2e.fixture';
import { defineFlow, key, run, trigger } from './flows-e2e.fixture';

jest.setTimeout(60_000);

/**
 * Every instance's flow events leave through one outbox, in order, to a broker that refuses a
 * message over 1 MB: what one run or definition publishes must never hold up the others' events.
 */
describe('flows: what a run or a definition may publish', () => {
  let t: TestInstance;
  let kafka: Awaited<ReturnType<typeof collectMessages>>;
  beforeAll(async () => {
    t = await createInstance();
    kafka = await collectMessages(testBrokers(), [TOPICS.flows]);
  });
  afterAll(() => kafka.stop());

  const published = (type: string, processId: string) =>
    kafka.messages.map((m) => JSON.parse(m.value)).filter((e) => e.type === type && e.data.processId === processId);

  it('fails an emit whose event is too large to publish, and publishes the events after it', async () => {
    const flow = await defineFlow(t, {
      name: `Sized ${randomUUID().slice(0, 6)}`,
      steps: [{ type: 'emit', id: 'e', event: 'sized', data: '{"text": $pad("", $input.body.n, "é")}' }],
    });
    // 300,000 two-byte characters: 600,000 bytes of UTF-8.
    const big = await trigger('Tests', flow.name, { headers: key(t.orgKey), body: { n: 300_000 } });
    expect([big.status, big.body.code]).toEqual([500, 'flow_failed']);
    expect(big.body.message).toMatch(/^step 1 "e" \(emit\) failed: This would publish a FlowEmitted event of 6\d{5} bytes of JSON, more than the 524288 \(512 KiB\) an event may take$/);
    const bigRun = big.headers.get('x-flow-process-id')!;
    expect((await run(t, bigRun)).body).toMatchObject({ status: 'failed', error: { message: big.body.message } });

    const fits = await trigger('Tests', flow.name, { headers: key(t.orgKey), body: { n: 250_000 } });
    expect(fits.status).toBe(200);
    const fitsRun = fits.headers.get('x-flow-process-id')!;
    await eventually(() => {
      expect(published('FlowRunFailed', bigRun)).toHaveLength(1);
      expect(published('FlowEmitted', fitsRun).map((e) => e.data.payload.text.length)).toEqual([250_000]);
      expect(published('FlowRunSucceeded', fitsRun)).toHaveLength(1);
    }, { timeoutMs: 20_000 });
    expect(published('FlowEmitted', bigRun)).toEqual([]);
  });

  it('refuses a definition too large to publish with 413, saving nothing', async () => {
    const name = `Huge ${randomUUID().slice(0, 6)}`;
    const table = JSON.stringify(Object.fromEntries(Array.from({ length: 30_000 }, (_, i) => [`code${i}`, `Label number ${i}`])));
    const res = await call('POST', '/api/v1/flows', key(t.orgKey), { app: 'Tests', name, steps: [{ type: 'output', name: 'label', from: `[${table}.code7]` }] });
    expect([res.status, res.body.code]).toEqual([413, 'payload_too_large']);
    expect(res.body.message).toMatch(/^This would publish a FlowDefined event of \d+ bytes of JSON, more than the 524288 \(512 KiB\) an event may take$/);
    expect((await call('GET', '/api/v1/flows', key(t.orgKey))).body.flows.map((f: { name: string }) => f.name)).not.toContain(name);

    const small = JSON.stringify(Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`code${i}`, `Label number ${i}`])));
    const saved = await defineFlow(t, { name, steps: [{ type: 'output', name: 'label', from: `[${small}.code7]` }] });
    const answer = await trigger('Tests', saved.name, { headers: key(t.orgKey) });
    expect([answer.status, answer.body.data]).toEqual([200, { label: ['Label number 7'] }]);
  });

  it("keeps the first 4,000 characters of a failure's message, alike for the caller, the run and FlowRunFailed", async () => {
    const flow = await defineFlow(t, { name: `Wordy ${randomUUID().slice(0, 6)}`, steps: [{ type: 'output', name: 'n', from: '$error($pad("", 100000, "ab"))' }] });
    const res = await trigger('Tests', flow.name, { headers: key(t.orgKey) });
    expect([res.status, res.body.code]).toEqual([500, 'flow_failed']);
    const said = 'step 1 (output) failed: from: ';
    // The whole message: the step, the field, the 100,000 characters, the position in the expression.
    const whole = `${said}${'ab'.repeat(50_000)} (at position 6)`;
    expect(res.body.message).toBe(`${whole.slice(0, 4000)}… (${whole.length - 4000} more characters)`);
    const processId = res.headers.get('x-flow-process-id')!;
    expect((await run(t, processId)).body.error.message).toBe(res.body.message);
    await eventually(() => expect(published('FlowRunFailed', processId).map((e) => e.data.reason)).toEqual([res.body.message]));
  });
});
