import {
  getNamedType,
  isObjectType,
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
  type GraphQLResolveInfo,
} from 'graphql';
import { collectSubfields } from 'graphql/execution/collectFields';
import { dayRangeErrors, type FieldError, type FieldType, type TypedField } from '@tollgate/contracts';

/** What the schema needs of an entity type: its name and its own fields. */
export interface EntityShape {
  name: string;
  fields: readonly TypedField[];
}

/** Arguments of an entity's root field, as the resolver receives them. */
export interface EntityArgs {
  from?: string;
  to?: string;
  sort?: 'created' | 'updated' | 'alpha';
  order?: 'asc' | 'desc';
  limit?: number;
  mine?: boolean;
}

/** Reads one entity's records for the caller the request's context names, for the answer's field `key` (the alias, if any). */
export type ReadRecords<E extends EntityShape, C> = (
  entity: E,
  args: EntityArgs,
  context: C,
  key: string,
  /** The record fields the request selects (fragments, @skip and @include applied): what needs reading. */
  selected: ReadonlySet<string>,
) => Record<string, unknown>[] | Promise<Record<string, unknown>[]>;

/** GraphQL results are built whole, so a field returns at most this many records (REST streams any number). */
export const GRAPHQL_MAX_LIMIT = 1000;
export const GRAPHQL_DEFAULT_LIMIT = 100;

/**
 * What is wrong with a root field's arguments beyond their GraphQL types: the limit's range and
 * the days. The gateway refuses on these before charging; the query service checks again.
 */
export function entityArgsErrors(args: EntityArgs): FieldError[] {
  const errors: FieldError[] = [];
  if (args.limit !== undefined && args.limit !== null && (args.limit < 1 || args.limit > GRAPHQL_MAX_LIMIT)) {
    errors.push({ field: 'limit', message: `limit must be between 1 and ${GRAPHQL_MAX_LIMIT}` });
  }
  return [...errors, ...dayRangeErrors(args)];
}

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

/** How the String fields holding dates are written, for GraphiQL's docs and generated types. */
const DATETIME = 'date and time, ISO 8601 in UTC (2026-03-01T09:30:00.000Z)';
const DESCRIPTION: Partial<Record<FieldType, string>> = { date: 'date, YYYY-MM-DD', datetime: DATETIME };

/** Names whose every part between single underscores starts with a letter: `order_item`, `v2_events`. */
const PLAIN_NAME = /^[a-z][a-z0-9]*(_[a-z][a-z0-9]*)*$/;

/**
 * The GraphQL type name of an entity's records, different for every entity name. Plain names
 * become PascalCase (`order_item`: `OrderItemRecord`), where each capital marks an underscore, so
 * the name can be read back. Others (`order__item`, `foo_`, `a_1b`) would meet a plain name's
 * PascalCase, so they keep their name behind `Entity_`: an underscore no PascalCase name has.
 * WARNING: clients write these names in fragments (`... on OrderItemRecord`); changing how they
 * are made breaks their queries.
 */
export function recordTypeName(entity: string): string {
  if (!PLAIN_NAME.test(entity)) return `Entity_${entity}Record`;
  const pascal = entity
    .split('_')
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
  return `${pascal}Record`;
}

/**
 * The schema a caller sees: one root field per entity type it may read (a data key: only those on
 * its list), each with the REST query's parameters as arguments (`mine` only for personal keys).
 * Type names are the entity names in PascalCase with a `Record` suffix (`recordTypeName`), so
 * they never meet each other or the built-in types.
 */
export function buildSchema<E extends EntityShape, C>(types: readonly E[], options: { personal: boolean }, read: ReadRecords<E, C>): GraphQLSchema {
  const args: GraphQLFieldConfigArgumentMap = {
    from: { type: GraphQLString, description: "only records created on or after this day (YYYY-MM-DD, in the instance's time zone)" },
    to: { type: GraphQLString, description: "only records created on or before this day (YYYY-MM-DD, in the instance's time zone)" },
    sort: { type: SORT, defaultValue: 'created' },
    order: { type: ORDER, defaultValue: 'desc' },
    limit: { type: GraphQLInt, defaultValue: GRAPHQL_DEFAULT_LIMIT, description: `at most ${GRAPHQL_MAX_LIMIT}` },
    ...(options.personal ? { mine: { type: GraphQLBoolean, defaultValue: false, description: 'only records you hold a responsibility for' } } : {}),
  };
  const fields: Record<string, GraphQLFieldConfig<unknown, C, EntityArgs>> = {};
  for (const entity of types) {
    const record = new GraphQLObjectType({
      name: recordTypeName(entity.name),
      fields: () => ({
        id: { type: new GraphQLNonNull(GraphQLID) },
        title: { type: new GraphQLNonNull(GraphQLString), description: "'' when the record was given none" },
        createdAt: { type: new GraphQLNonNull(GraphQLString), description: DATETIME },
        updatedAt: { type: new GraphQLNonNull(GraphQLString), description: DATETIME },
        ...Object.fromEntries(entity.fields.map((f) => [f.name, { type: SCALAR[f.type], description: DESCRIPTION[f.type] }])),
        responsibilities: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(RESPONSIBILITY))) },
      }),
    });
    fields[entity.name] = {
      type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(record))),
      description: `Records of ${entity.name}; one credit`,
      args,
      resolve: (_source, fieldArgs, context, info) => read(entity, fieldArgs, context, String(info.path.key), selectedFields(info)),
    };
  }
  if (types.length === 0) {
    fields._empty = { type: GraphQLBoolean, description: 'This instance has no entity types yet', resolve: () => null };
  }
  return new GraphQLSchema({ query: new GraphQLObjectType({ name: 'Query', fields }) });
}

/** Which schema a caller sees, and a name for it that schemas can be cached under. */
export interface SchemaShape {
  /** Personal keys (of a user) get the `mine` argument. */
  personal: boolean;
  /** A data key sees only the entities on its list; others see every type. */
  entities?: ReadonlySet<string>;
  cacheKey: string;
}

export function schemaShapeOf(principal: { instanceId: string; kind: string; userId?: string; entities?: string[] }): SchemaShape {
  const personal = principal.kind === 'personal' && !!principal.userId;
  const entities = principal.kind === 'data' ? new Set(principal.entities ?? []) : undefined;
  const cacheKey = [principal.instanceId, personal ? 'personal' : 'other', entities ? [...entities].sort().join(',') : '*'].join('\u0000');
  return { personal, ...(entities ? { entities } : {}), cacheKey };
}

/** The names of the fields a root field's selection asks of each record, as graphql-js will resolve them. */
function selectedFields(info: GraphQLResolveInfo): ReadonlySet<string> {
  const record = getNamedType(info.returnType);
  if (!isObjectType(record)) return new Set();
  const fields = collectSubfields(info.schema, info.fragments, info.variableValues, record, info.fieldNodes);
  return new Set([...fields.values()].map((nodes) => nodes[0].name.value));
}
