import { EntityTypeDefined, TOPICS } from '@tollgate/contracts';
import { collectMessages, eventually, testBrokers } from '@tollgate/testing';
import { randomBytes } from 'node:crypto';
import { principalOf, startQueryApp, type QueryApp } from '../testing/query-app.fixture';

jest.setTimeout(30_000);

// Instance ids are unique per run: the broker's topics keep earlier runs' events.
const INSTANCE = `inst_types_${randomBytes(4).toString('hex')}`;

describe('entity types (query service, real PostgreSQL and Kafka)', () => {
  let app: QueryApp;
  const org = principalOf(INSTANCE);
  const define = (body: unknown, principal = org) => app.call('POST', '/api/v1/entities', { principal, body });

  beforeAll(async () => {
    app = await startQueryApp();
  });
  afterAll(() => app.close());

  it('defines a type once, publishes EntityTypeDefined, lets it gain fields and lists it with its count', async () => {
    const collector = await collectMessages(testBrokers(), [TOPICS.query]);
    try {
      const fields = [{ name: 'status', type: 'string' }, { name: 'due_date', type: 'date' }];
      expect((await define({ name: 'actions', primaryKey: 'id', fields })).status).toBe(201);
      expect((await define({ name: 'actions', primaryKey: 'id', fields })).status).toBe(200);
      const grown = await define({ name: 'actions', primaryKey: 'id', fields: [...fields, { name: 'priority', type: 'number' }] });
      expect(grown.body.fields.map((f: any) => f.name)).toEqual(['status', 'due_date', 'priority']);
      await eventually(() => {
        const defined = collector.messages.map((m) => JSON.parse(m.value)).filter((e) => e.type === EntityTypeDefined.type && e.instanceId === INSTANCE);
        expect(defined.map((e) => e.data.fields.length)).toEqual([2, 3]);
      }, { timeoutMs: 15_000 });
    } finally {
      await collector.stop();
    }
    const list = await app.call('GET', '/api/v1/entities', { principal: org });
    expect(list.body.entities).toEqual([
      {
        name: 'actions',
        primaryKey: 'id',
        recordCount: 0,
        fields: [
          { name: 'id', type: 'string' },
          { name: 'title', type: 'string' },
          { name: 'createdAt', type: 'datetime' },
          { name: 'updatedAt', type: 'datetime' },
          { name: 'status', type: 'string' },
          { name: 'due_date', type: 'date' },
          { name: 'priority', type: 'number' },
        ],
      },
    ]);
    expect((await app.call('GET', '/api/v1/entities', { principal: principalOf('inst_elsewhere') })).body.entities).toEqual([]);
  });

  it('keeps field names to 63 characters, so that every format writes a record\'s fields by their whole names', async () => {
    const longest = `f${'x'.repeat(62)}`;
    const tooLong = await define({ name: 'wide', fields: [{ name: `${longest}y`, type: 'string' }] });
    expect([tooLong.status, tooLong.body.errors]).toEqual([400, [{ field: 'fields.0.name', message: 'name must be at most 63 characters' }]]);
    expect((await define({ name: 'wide', fields: [{ name: longest, type: 'string' }] })).status).toBe(201);
    await app.call('POST', '/api/v1/entities/wide/batch', { principal: org, body: { operations: [{ action: 'insert', rows: [{ id: 'w1', [longest]: 'v' }] }] } });
    const read = await app.call('GET', `/api/v1/entities/wide?display=id,${longest}`, { principal: org });
    expect(read.body.data.wide).toEqual([{ id: 'w1', [longest]: 'v' }]);
  });

  it('refuses bad names, types, keys and conflicting redefinitions', async () => {
    for (const body of [
      { name: 'Bad-Name', fields: [] },
      { name: 'ok', fields: [{ name: 'x', type: 'money' }] },
      { name: 'ok', fields: [{ name: 'title', type: 'string' }] },
      { name: 'ok', primaryKey: 'code', fields: [] },
      { name: 'ok', primaryKey: 'flag', fields: [{ name: 'flag', type: 'boolean' }] },
      { name: 'ok', fields: [], extra: true },
    ]) {
      expect([body, (await define(body)).status]).toEqual([body, 400]);
    }
    expect((await define({ name: 'actions', primaryKey: 'id', fields: [{ name: 'status', type: 'number' }] })).status).toBe(409);
    const dataKey = principalOf(INSTANCE, { kind: 'data', scopes: ['query', 'ingest'], entities: [] });
    expect((await define({ name: 'other', fields: [] }, dataKey)).status).toBe(403);
    const readOnly = principalOf(INSTANCE, { scopes: ['query'] });
    expect((await define({ name: 'other', fields: [] }, readOnly)).status).toBe(403);
  });
});
