import { graphqlSync, isObjectType, validateSchema } from 'graphql';
import { buildSchema, recordTypeName } from './graphql-schema';

const NAMES = ['order_item', 'order__item', 'orderitem', 'foo', 'foo_', 'a1b', 'a_1b', 'a_1_b', 'x_y_z', 'x__y_z', 'x_y__z'];

describe('GraphQL schema', () => {
  it('gives entities the PascalCase type names clients already write', () => {
    expect(['actions', 'order_item', 'v2_events', 'graphs'].map(recordTypeName)).toEqual(['ActionsRecord', 'OrderItemRecord', 'V2EventsRecord', 'GraphsRecord']);
  });

  it('gives every entity name a type name of its own', () => {
    expect(new Set(NAMES.map(recordTypeName)).size).toBe(NAMES.length);
  });

  it('stays usable when entity names differ only in their underscores', () => {
    const types = NAMES.map((name) => ({ name, fields: [{ name: 'kind', type: 'string' as const }] }));
    const schema = buildSchema(types, { personal: false }, (entity) => [{ id: entity.name, title: '', createdAt: 'c', updatedAt: 'u', kind: entity.name, responsibilities: [] }]);
    expect(validateSchema(schema)).toEqual([]);
    expect(graphqlSync({ schema, source: '{ __typename }' })).toEqual({ data: { __typename: 'Query' } });
    const result = graphqlSync({ schema, source: '{ order_item { __typename kind } order__item { __typename kind } foo_ { kind } }' });
    expect(result).toEqual({
      data: {
        order_item: [{ __typename: 'OrderItemRecord', kind: 'order_item' }],
        order__item: [{ __typename: 'Entity_order__itemRecord', kind: 'order__item' }],
        foo_: [{ kind: 'foo_' }],
      },
    });
  });

  it('says null only where a value can be missing: an entity\'s own fields, never the built-ins', () => {
    const schema = buildSchema([{ name: 'actions', fields: [{ name: 'status', type: 'string' }, { name: 'due', type: 'date' }] }], { personal: false }, () => []);
    const record = schema.getType('ActionsRecord');
    if (!isObjectType(record)) throw new Error('no record type');
    // Every record has a title, '' when none was given (the column is NOT NULL DEFAULT '').
    expect(Object.fromEntries(Object.entries(record.getFields()).map(([name, field]) => [name, String(field.type)]))).toEqual({
      id: 'ID!',
      title: 'String!',
      createdAt: 'String!',
      updatedAt: 'String!',
      status: 'String',
      due: 'String',
      responsibilities: '[Responsibility!]!',
    });
  });

  it('describes how the String fields that hold dates are written, for GraphiQL\'s docs and generated types', () => {
    const schema = buildSchema([{ name: 'actions', fields: [{ name: 'due', type: 'date' }, { name: 'at', type: 'datetime' }, { name: 'status', type: 'string' }] }], { personal: false }, () => []);
    const record = schema.getType('ActionsRecord');
    if (!isObjectType(record)) throw new Error('no record type');
    const described = Object.fromEntries(Object.entries(record.getFields()).map(([name, field]) => [name, field.description]));
    expect(described).toMatchObject({
      createdAt: 'date and time, ISO 8601 in UTC (2026-03-01T09:30:00.000Z)',
      updatedAt: 'date and time, ISO 8601 in UTC (2026-03-01T09:30:00.000Z)',
      due: 'date, YYYY-MM-DD',
      at: 'date and time, ISO 8601 in UTC (2026-03-01T09:30:00.000Z)',
      status: undefined,
    });
  });
});
