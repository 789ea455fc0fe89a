import { getNamedType, getNullableType, GraphQLError, isListType, isObjectType, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLSchema } from 'graphql';
import { collectFields, collectSubfields } from 'graphql/execution/collectFields';
import { buildExecutionContext } from 'graphql/execution/execute';

/**
 * The most values one record of an answer may be asked for: every response key in its selection,
 * nested ones (`responsibilities { userId }`) included. An entity has at most 40 fields of its own
 * besides the built-ins, so a record read whole needs about 50; aliases beyond that would only
 * repeat values, and each is paid for by every record (2,000 aliases over 1,000 records built a
 * 220 MB answer for one credit).
 */
export const MAX_RECORD_FIELDS = 100;

/**
 * The values per record one request may ask for across all its root fields. A request costs one
 * credit per entity, so 50 aliases of one entity at MAX_RECORD_FIELDS each would build 5,000,000
 * values for one credit; this keeps an answer to about a tenth of that whatever the aliases.
 */
export const MAX_REQUEST_FIELDS = 500;

/** `__type` fields one request may ask (under aliases, to look up several types at once). */
export const MAX_INTROSPECTION_TYPES = 20;
const ALIASED_INTROSPECTION = 'aliases are not taken in introspection (only to ask __type for several types); each would only repeat what the schema says';

type Fragments = Record<string, FragmentDefinitionNode>;

/**
 * Whether an introspection field's selection, all the way down, names each field by its own name.
 * Introspection is free, and without aliases its answer is bounded by the schema (graphql-js
 * bounds how deeply `fields` may nest); each alias would repeat a part of it.
 */
function unaliased(schema: GraphQLSchema, fragments: Fragments, variables: Record<string, unknown>, nodes: readonly FieldNode[], type: unknown): boolean {
  const named = getNamedType(type as Parameters<typeof getNamedType>[0]);
  if (!isObjectType(named)) return true;
  for (const [key, fieldNodes] of collectSubfields(schema, fragments, variables, named, nodes)) {
    const name = fieldNodes[0].name.value;
    if (key !== name) return false;
    const field = named.getFields()[name];
    if (field && !unaliased(schema, fragments, variables, fieldNodes, field.type)) return false;
  }
  return true;
}

/** The values one record of a root field's answer holds: its response keys, as graphql-js runs them, nested ones included. */
function valuesPerRecord(schema: GraphQLSchema, fragments: Fragments, variables: Record<string, unknown>, nodes: readonly FieldNode[], type: unknown): number {
  const named = getNamedType(type as Parameters<typeof getNamedType>[0]);
  if (!isObjectType(named)) return 0;
  let count = 0;
  for (const [, fieldNodes] of collectSubfields(schema, fragments, variables, named, nodes)) {
    const field = named.getFields()[fieldNodes[0].name.value];
    count += 1 + (field ? valuesPerRecord(schema, fragments, variables, fieldNodes, field.type) : 0);
  }
  return count;
}

const ALIASED_UNDER_LIST =
  'aliases are not taken inside a list of a record (responsibilities): each would repeat a value once per entry, and a list has no bound';

/**
 * The first list field of a record (`responsibilities`) whose selection uses an alias, if any.
 * MAX_RECORD_FIELDS counts a list's selection once per record, but each alias in it is answered
 * once per entry of the list, and a list may have any number of entries.
 */
function aliasedInList(schema: GraphQLSchema, fragments: Fragments, variables: Record<string, unknown>, nodes: readonly FieldNode[], type: unknown): readonly FieldNode[] | undefined {
  const named = getNamedType(type as Parameters<typeof getNamedType>[0]);
  if (!isObjectType(named)) return undefined;
  for (const [, fieldNodes] of collectSubfields(schema, fragments, variables, named, nodes)) {
    const field = named.getFields()[fieldNodes[0].name.value];
    if (!field) continue;
    if (isListType(getNullableType(field.type)) && !unaliased(schema, fragments, variables, fieldNodes, field.type)) return fieldNodes;
    const inner = aliasedInList(schema, fragments, variables, fieldNodes, field.type);
    if (inner) return inner;
  }
  return undefined;
}

/**
 * The entity read for each root field a valid request runs, as graphql-js runs it: once per
 * response key (fields of one key are merged into one read), without the fields `@skip` or
 * `@include` leave out for the request's variables, and without introspection. One credit each:
 * the gateway charges this count and the query service executes exactly these reads. A request
 * that asks a record for more than MAX_RECORD_FIELDS values, or repeats free introspection under
 * aliases, is refused instead.
 */
export function rootFieldsRead(
  schema: GraphQLSchema,
  request: { document: DocumentNode; operationName?: string; variables?: Record<string, unknown> },
): { entities: string[] } | { errors: readonly GraphQLError[] } {
  const context = buildExecutionContext({ schema, document: request.document, operationName: request.operationName, variableValues: request.variables });
  if (!('schema' in context)) return { errors: context };
  const query = schema.getQueryType();
  if (!query) return { errors: [new GraphQLError('the schema has no query type')] };
  const fields = collectFields(schema, context.fragments, context.variableValues, query, context.operation.selectionSet);
  const entities: string[] = [];
  const introspection = [...fields].filter(([, nodes]) => nodes[0].name.value.startsWith('__'));
  const schemas = introspection.filter(([, nodes]) => nodes[0].name.value === '__schema');
  const types = introspection.filter(([, nodes]) => nodes[0].name.value === '__type');
  if (types.length > MAX_INTROSPECTION_TYPES) {
    return { errors: [new GraphQLError(`at most ${MAX_INTROSPECTION_TYPES} __type fields per request`, { nodes: types[MAX_INTROSPECTION_TYPES][1] })] };
  }
  for (const [key, nodes] of [...schemas, ...types]) {
    const meta = nodes[0].name.value === '__schema' ? schema.getType('__Schema') : schema.getType('__Type');
    if ((meta?.name === '__Schema' && key !== '__schema') || !unaliased(schema, context.fragments, context.variableValues, nodes, meta)) {
      return { errors: [new GraphQLError(ALIASED_INTROSPECTION, { nodes })] };
    }
  }
  let asked = 0;
  for (const [key, nodes] of fields) {
    const name = nodes[0].name.value;
    if (name.startsWith('__')) continue;
    const listed = aliasedInList(schema, context.fragments, context.variableValues, nodes, query.getFields()[name]?.type);
    if (listed) return { errors: [new GraphQLError(ALIASED_UNDER_LIST, { nodes: listed })] };
    const values = valuesPerRecord(schema, context.fragments, context.variableValues, nodes, query.getFields()[name]?.type);
    if (values > MAX_RECORD_FIELDS) {
      const message = `a record may be asked for at most ${MAX_RECORD_FIELDS} fields (aliases and nested fields included); ${key} asks for ${values}`;
      return { errors: [new GraphQLError(message, { nodes })] };
    }
    asked += values;
    if (asked > MAX_REQUEST_FIELDS) {
      const message = `a request may ask its records for at most ${MAX_REQUEST_FIELDS} fields in all (each root field's, aliases included); this one asks for more by ${key}`;
      return { errors: [new GraphQLError(message, { nodes })] };
    }
    entities.push(name);
  }
  return { entities };
}
