import {
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLFloat,
  GraphQLID,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  type GraphQLFieldConfig,
  type GraphQLFieldConfigArgumentMap,
  type GraphQLOutputType,
} from 'graphql';
import type { FieldType } from '@tollgate/contracts';
import type { EntityType } from '../entity-types/entity-type';

/** Arguments of an entity's root field, as the resolver receives them. */
export interface EntityArgs {
  from?: string;
  to?: string;
  sort?: 'created' | 'updated' | 'alpha';
  order?: 'asc' | 'desc';
  limit?: number;
  mine?: boolean;
}

/** Reads one entity's records for the caller the request's context names. */
export type ReadRecords<C> = (entity: EntityType, args: EntityArgs, context: C) => Promise<Record<string, unknown>[]>;

/** GraphQL results are built whole, so a field returns at most this many records (REST streams any number). */
export const GRAPHQL_MAX_LIMIT = 1000;
export const GRAPHQL_DEFAULT_LIMIT = 100;

const JSON_SCALAR = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value, as stored',
  serialize: (value) => value,
});

const RESPONSIBILITY = new GraphQLObjectType({
  name: 'Responsibility',
  fields: { userId: { type: new GraphQLNonNull(GraphQLString) }, role: { type: new GraphQLNonNull(GraphQLString) } },
});

const SORT = new GraphQLEnumType({ name: 'Sort', values: { created: {}, updated: {}, alpha: { description: 'by title' } } });
const ORDER = new GraphQLEnumType({ name: 'Order', values: { asc: {}, desc: {} } });

const SCALAR: Record<FieldType, GraphQLOutputType> = {
  string: GraphQLString,
  number: GraphQLFloat,
  boolean: GraphQLBoolean,
  date: GraphQLString,
  datetime: GraphQLString,
  json: JSON_SCALAR,
};

function typeName(entity: string): string {
  return entity
    .split('_')
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}

/**
 * The schema a caller sees: one root field per entity type it may read (a data key: only those on
 * its list), each with the REST query's parameters as arguments (`mine` only for personal keys).
 * Type names are the entity names in PascalCase with a `Record` suffix, so they never meet the
 * built-in types.
 */
export function buildSchema<C>(types: EntityType[], options: { personal: boolean }, read: ReadRecords<C>): GraphQLSchema {
  const args: GraphQLFieldConfigArgumentMap = {
    from: { type: GraphQLString, description: 'only records created on or after this day (YYYY-MM-DD)' },
    to: { type: GraphQLString, description: 'only records created on or before this day (YYYY-MM-DD)' },
    sort: { type: SORT, defaultValue: 'created' },
    order: { type: ORDER, defaultValue: 'desc' },
    limit: { type: GraphQLInt, defaultValue: GRAPHQL_DEFAULT_LIMIT, description: `at most ${GRAPHQL_MAX_LIMIT}` },
    ...(options.personal ? { mine: { type: GraphQLBoolean, defaultValue: false, description: 'only records you hold a responsibility for' } } : {}),
  };
  const fields: Record<string, GraphQLFieldConfig<unknown, C, EntityArgs>> = {};
  for (const entity of types) {
    const record = new GraphQLObjectType({
      name: `${typeName(entity.name)}Record`,
      fields: () => ({
        id: { type: new GraphQLNonNull(GraphQLID) },
        title: { type: GraphQLString },
        createdAt: { type: new GraphQLNonNull(GraphQLString) },
        updatedAt: { type: new GraphQLNonNull(GraphQLString) },
        ...Object.fromEntries(entity.fields.map((f) => [f.name, { type: SCALAR[f.type] }])),
        responsibilities: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(RESPONSIBILITY))) },
      }),
    });
    fields[entity.name] = {
      type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(record))),
      description: `Records of ${entity.name}; one credit`,
      args,
      resolve: (_source, fieldArgs, context) => read(entity, fieldArgs, context),
    };
  }
  if (types.length === 0) {
    fields._empty = { type: GraphQLBoolean, description: 'This instance has no entity types yet', resolve: () => null };
  }
  return new GraphQLSchema({ query: new GraphQLObjectType({ name: 'Query', fields }) });
}
