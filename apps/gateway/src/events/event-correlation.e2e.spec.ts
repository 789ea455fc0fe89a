import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { TOPICS, type EventEnvelope } from '@tollgate/contracts';
import { api, collectMessages, e2ePlatform, eventually, testBrokers } from '@tollgate/testing';
import { createInstance, url, type TestInstance } from '../identity/identity-e2e.fixture';
import { defineFlow, key } from '../flows/flows-e2e.fixture';
import { defineAndLoad, withKey } from '../query/query-e2e.fixture';

jest.setTimeout(60_000);

/** A subscriber finds what a request caused by the X-Request-Id its client saw. */
describe('events name the request that caused them (e2e, as a subscriber sees them)', () => {
  let t: TestInstance;
  let kafka: Awaited<ReturnType<typeof collectMessages>>;
  beforeAll(async () => {
    t = await createInstance();
    kafka = await collectMessages(testBrokers(), [TOPICS.credits, TOPICS.flows]);
    await defineAndLoad(t.orgKey, 'notes', [{ name: 'text', type: 'string' }], [{ id: 'n1', title: 'one', text: 'a' }]);
  });
  afterAll(() => kafka.stop());

  const trace = () => `trace-${randomBytes(6).toString('hex')}`;
  const correlated = (requestId: string, count: number) =>
    eventually(() => {
      const events = kafka.messages.map((m) => JSON.parse(m.value) as EventEnvelope).filter((e) => e.instanceId === t.instanceId && e.correlationId === requestId);
      expect(events.length).toBeGreaterThanOrEqual(count);
      return events;
    });

  it('gives a charge, and the refund of a failed request, the request id the client sent', async () => {
    const charged = trace();
    const ok = await api('GET', url('/api/v1/query?entities=notes'), { headers: { ...withKey(t.orgKey), 'x-request-id': charged } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-request-id')).toBe(charged);
    const [consumed] = await correlated(charged, 1);
    expect(consumed).toMatchObject({ type: 'CreditsConsumed', data: { cost: 1, entities: ['notes'] } });

    const refunded = trace();
    const blocker = new Client({ connectionString: e2ePlatform().databaseUrls.query });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE records IN ACCESS EXCLUSIVE MODE');
      const res = await api('GET', url('/api/v1/query?entities=notes&timeout=300'), { headers: { ...withKey(t.orgKey), 'x-request-id': refunded } });
      expect(res.status).toBe(504);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    const events = await correlated(refunded, 3);
    expect(events.map((e) => e.type)).toEqual(['CreditsConsumed', 'CreditsRefunded', 'ChargeVoided']);
  });

  it('gives every event of a flow run the trigger’s request id, whether the run succeeds or fails', async () => {
    const name = `corr ${randomBytes(3).toString('hex')}`;
    await defineFlow(t, { name, mode: 'sync', steps: [{ type: 'emit', event: 'note.seen', data: '{"n": 1}' }, { type: 'output', name: 'out', from: '[1]' }] });
    await defineFlow(t, { name: `${name} fails`, mode: 'sync', steps: [{ type: 'error', message: '"no"' }] });
    const succeeded = trace();
    const ok = await api('POST', url(`/api/1/action/Tests/${encodeURIComponent(name)}/trigger`), { headers: { ...key(t.orgKey), 'x-request-id': succeeded }, body: {} });
    expect(ok.status).toBe(200);
    const failed = trace();
    const ko = await api('POST', url(`/api/1/action/Tests/${encodeURIComponent(`${name} fails`)}/trigger`), { headers: { ...key(t.orgKey), 'x-request-id': failed }, body: {} });
    expect(ko.status).toBe(500);
    expect((await correlated(succeeded, 3)).map((e) => e.type)).toEqual(['FlowRunStarted', 'FlowEmitted', 'FlowRunSucceeded']);
    expect((await correlated(failed, 2)).map((e) => e.type)).toEqual(['FlowRunStarted', 'FlowRunFailed']);
  });
});
