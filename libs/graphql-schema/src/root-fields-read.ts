import { GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import { collectFields } from 'graphql/execution/collectFields';
import { buildExecutionContext } from 'graphql/execution/execute';

/**
 * The entity read for each root field a valid request runs, as graphql-js runs it: once per
 * response key (fields of one key are merged into one read), without the fields `@skip` or
 * `@include` leave out for the request's variables, and without introspection. One credit each:
 * the gateway charges this count and the query service executes exactly these reads.
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
  const entities = [...fields.values()].map((nodes) => nodes[0].name.value).filter((name) => !name.startsWith('__'));
  return { entities };
}
