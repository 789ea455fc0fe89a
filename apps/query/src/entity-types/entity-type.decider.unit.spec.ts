import type { EventEnvelope } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { entityTypeDecider, type EntityTypeState } from './entity-type.decider';

const given = (...events: Partial<EventEnvelope>[]): EntityTypeState =>
  events.reduce((s, e) => entityTypeDecider.evolve(s, { type: 'EntityTypeDefined', ...e } as EventEnvelope), entityTypeDecider.initialState());
const now = new Date('2026-01-01T00:00:00Z');
const fields = [{ name: 'status', type: 'string' as const }];

describe('entity type decider', () => {
  it('defines a new type', () => {
    const events = entityTypeDecider.decide({ name: 'actions', primaryKey: 'id', fields }, given(), now);
    expect(events.map((e) => e.data)).toEqual([{ entity: 'actions', primaryKey: 'id', fields }]);
  });

  it('changes nothing when the same definition comes again, and adds new fields', () => {
    const state = given({ data: { entity: 'actions', primaryKey: 'id', fields } });
    expect(entityTypeDecider.decide({ name: 'actions', primaryKey: 'id', fields }, state, now)).toEqual([]);
    const grown = entityTypeDecider.decide({ name: 'actions', primaryKey: 'id', fields: [{ name: 'due', type: 'date' }] }, state, now);
    expect((grown[0].data as { fields: unknown[] }).fields).toEqual([...fields, { name: 'due', type: 'date' }]);
  });

  it('refuses a changed key or field type, built-in names and unusable keys', () => {
    const state = given({ data: { entity: 'actions', primaryKey: 'id', fields } });
    const attempt = (command: Parameters<typeof entityTypeDecider.decide>[0], s = state) => () => entityTypeDecider.decide(command, s, now);
    expect(attempt({ name: 'actions', primaryKey: 'status', fields })).toThrow(ApiException);
    expect(attempt({ name: 'actions', primaryKey: 'id', fields: [{ name: 'status', type: 'number' }] })).toThrow(/already of type/);
    expect(attempt({ name: 'x', primaryKey: 'id', fields: [{ name: 'createdat', type: 'string' }] }, given())).toThrow(ApiException);
    expect(attempt({ name: 'x', primaryKey: 'flag', fields: [{ name: 'flag', type: 'boolean' }] }, given())).toThrow(ApiException);
  });

  it('holds a type to 40 fields of its own however many definitions add them, and still takes the whole list again', () => {
    const numbered = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ name: `f${from + i}`, type: 'string' as const }));
    const state = given({ data: { entity: 'wide', primaryKey: 'id', fields: numbered(0, 30) } });
    const refused = (() => {
      try {
        entityTypeDecider.decide({ name: 'wide', primaryKey: 'id', fields: numbered(30, 41) }, state, now);
      } catch (error) {
        return error as ApiException;
      }
    })();
    expect([refused?.status, refused?.options.errors]).toEqual([400, [{ field: 'fields', message: 'wide has 30 fields; adding 11 would pass the 40 a type may have' }]]);
    const full = entityTypeDecider.decide({ name: 'wide', primaryKey: 'id', fields: numbered(30, 40) }, state, now);
    expect((full[0].data as { fields: unknown[] }).fields).toHaveLength(40);
    const grown = given({ data: full[0].data as Record<string, unknown> });
    expect(entityTypeDecider.decide({ name: 'wide', primaryKey: 'id', fields: numbered(0, 40) }, grown, now)).toEqual([]);
  });

  it('adds fields to a type with a key of its own without the key being listed again', () => {
    const state = given({ data: { entity: 'orders', primaryKey: 'code', fields: [{ name: 'code', type: 'string' }] } });
    const grown = entityTypeDecider.decide({ name: 'orders', fields: [{ name: 'qty', type: 'number' }] }, state, now);
    expect(grown.map((e) => e.data)).toEqual([{ entity: 'orders', primaryKey: 'code', fields: [{ name: 'code', type: 'string' }, { name: 'qty', type: 'number' }] }]);
    expect(entityTypeDecider.decide({ name: 'orders', primaryKey: 'code', fields: [{ name: 'qty', type: 'number' }] }, given({ data: grown[0].data as Record<string, unknown> }), now)).toEqual([]);
    expect(() => entityTypeDecider.decide({ name: 'orders', primaryKey: 'id', fields: [] }, state, now)).toThrow(/already has primary key code/);
    expect(entityTypeDecider.decide({ name: 'fresh', fields: [] }, given(), now).map((e) => e.data)).toEqual([{ entity: 'fresh', primaryKey: 'id', fields: [] }]);
  });
});
