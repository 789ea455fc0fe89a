import { RecordsChanged, RecordsChangedPart, TOPICS } from '@tollgate/contracts';
import { collectMessages, eventually, testBrokers, type CollectedMessage } from '@tollgate/testing';
import { randomBytes } from 'node:crypto';
import { principalOf, startQueryApp, type QueryApp } from '../testing/query-app.fixture';

jest.setTimeout(90_000);

const INSTANCE = `inst_keys_${randomBytes(4).toString('hex')}`;
const MESSAGE_LIMIT = 512 * 1024;

/** Long keys of three-byte characters, so a few thousand take several messages. */
const keyOf = (i: number) => `k${i}-${'€'.repeat(480)}`;

describe('the keys a batch changed, on Kafka (query service, real PostgreSQL and Kafka)', () => {
  let app: QueryApp;
  const admin = principalOf(INSTANCE);
  const batch = (body: unknown, requestId: string) =>
    app.call('POST', '/api/v1/entities/mirror/batch', { principal: admin, body, headers: { 'x-request-id': requestId } });

  beforeAll(async () => {
    app = await startQueryApp();
    const defined = await app.call('POST', '/api/v1/entities', {
      principal: admin,
      body: { name: 'mirror', primaryKey: 'code', fields: [{ name: 'code', type: 'string' }, { name: 'n', type: 'number' }] },
    });
    expect(defined.status).toBe(201);
  });
  afterAll(() => app.close());

  /** The RecordsChanged of one call and its parts, as a subscriber reads them, once all are in. */
  async function changeOf(collector: { messages: CollectedMessage[] }, requestId: string) {
    return eventually(
      () => {
        const mine = collector.messages.filter((m) => JSON.parse(m.value).instanceId === INSTANCE);
        const at = mine.findIndex((m) => JSON.parse(m.value).correlationId === requestId && JSON.parse(m.value).type === RecordsChanged.type);
        expect(at).toBeGreaterThanOrEqual(0);
        const change = JSON.parse(mine[at].value);
        const parts = mine.slice(at + 1).filter((m) => JSON.parse(m.value).data.changeId === change.id);
        expect(parts).toHaveLength(change.data.parts - 1);
        return { change, messages: [mine[at], ...parts] };
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  }

  it('names every key a batch inserted, updated and deleted, in parts under 512 KiB that say how many they are', async () => {
    const collector = await collectMessages(testBrokers(), [TOPICS.query]);
    try {
      const codes = Array.from({ length: 1200 }, (_, i) => keyOf(i));
      const loaded = await batch({ operations: [{ action: 'insert', rows: codes.map((code) => ({ code, n: 1 })) }] }, 'req_keys_load');
      expect(loaded.body).toEqual({ status: 'ok', inserted: 1200, updated: 0, deleted: 0 });
      const load = await changeOf(collector, 'req_keys_load');
      const events = load.messages.map((m) => JSON.parse(m.value));
      expect(events.length).toBeGreaterThanOrEqual(3);
      expect(load.messages.every((m) => Buffer.byteLength(m.value) <= MESSAGE_LIMIT)).toBe(true);
      // One partition, in order: the event, then parts 2 to N.
      expect(new Set(load.messages.map((m) => `${m.partition}/${m.key}`)).size).toBe(1);
      expect(events.map((e) => [e.type, e.data.part ?? 1, e.data.parts])).toEqual(
        events.map((_, i) => [i === 0 ? RecordsChanged.type : RecordsChangedPart.type, i + 1, events.length]),
      );
      expect(events[0].data).toMatchObject({ entity: 'mirror', inserted: 1200, updated: 0, deleted: 0 });
      expect(events.slice(1).every((e) => e.data.entity === 'mirror' && e.correlationId === 'req_keys_load')).toBe(true);
      const all = (list: 'inserted' | 'updated' | 'deleted', of = events) => of.flatMap((e) => e.data.keys[list]);
      expect([all('inserted').sort(), all('updated'), all('deleted')]).toEqual([[...codes].sort(), [], []]);

      // A mixed call: deletes, updates, new keys, and a key inserted and deleted again.
      const mixed = await batch(
        {
          operations: [
            { action: 'delete', rows: codes.slice(0, 700) },
            { action: 'insertOrUpdate', rows: codes.slice(700, 800).map((code) => ({ code, n: 2 })) },
            { action: 'insertOrUpdate', rows: codes.slice(800, 850).map((code) => ({ code, n: 1 })) }, // changes nothing
            { action: 'insert', rows: [...Array.from({ length: 50 }, (_, i) => ({ code: `new-${i}` })), { code: 'brief' }] },
            { action: 'delete', rows: ['brief', 'never-there'] },
          ],
        },
        'req_keys_mixed',
      );
      expect(mixed.body).toEqual({ status: 'ok', inserted: 51, updated: 100, deleted: 701 });
      const change = await changeOf(collector, 'req_keys_mixed');
      const mixedEvents = change.messages.map((m) => JSON.parse(m.value));
      expect(mixedEvents.length).toBeGreaterThanOrEqual(2);
      expect(change.messages.every((m) => Buffer.byteLength(m.value) <= MESSAGE_LIMIT)).toBe(true);
      expect(mixedEvents.map((e) => e.data.part ?? 1)).toEqual(mixedEvents.map((_, i) => i + 1));
      expect([all('inserted', mixedEvents).sort(), all('updated', mixedEvents).sort(), all('deleted', mixedEvents).sort()]).toEqual([
        Array.from({ length: 50 }, (_, i) => `new-${i}`).sort(),
        codes.slice(700, 800).sort(),
        codes.slice(0, 700).sort(),
      ]);
    } finally {
      await collector.stop();
    }
  });
});
