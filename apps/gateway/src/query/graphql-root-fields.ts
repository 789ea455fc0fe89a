import { GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { fieldErrorOf, parseDocument } from '@tollgate/graphql-schema';
import { ApiException } from '@tollgate/service-runtime';

/**
 * The request's document; a syntax error, or a document nested too deeply for the parser
 * (`parseDocument`), is refused (400) in the documented shape.
 */
export function parseGraphql(query: string): DocumentNode {
  try {
    return parseDocument(query);
  } catch (error) {
    throw ApiException.validation([error instanceof GraphQLError ? fieldErrorOf(error) : { field: 'query', message: (error as Error).message }]);
  }
}

/**
 * The root fields a GraphQL request names, as many times as it names them (aliases included; a
 * fragment's once, as graphql-js runs it):
 * what the gateway refuses before anything runs. What it charges is what runs of them
 * (`rootFieldsRead` of `@tollgate/graphql-schema`, once the request is checked against the schema). Introspection fields (`__schema`,
 * `__type`, `__typename`) are left out; they read no records, nor does `_empty`, which a schema
 * without entity types offers (an entity's name starts with a letter). Mutations and an ambiguous or
 * unknown operation are refused here, syntax errors by `parseGraphql`, at no cost.
 */
export function graphqlRootFields(document: DocumentNode, operationName?: string): string[] {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!operation) {
    const message = operationName
      ? `no operation named ${operationName}`
      : operations.length
        ? 'operationName is required when the document has several operations'
        : 'the document has no operation';
    throw ApiException.validation([{ field: operationName ? 'operationName' : 'query', message }]);
  }
  if (operation.operation !== 'query') throw ApiException.validation([{ field: 'query', message: `${operation.operation}s are not offered; queries only` }]);
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  const fields: string[] = [];
  // As graphql-js collects the fields it runs: a named fragment is gone through once, however
  // often it is spread. Going through it at every spread would take 2^n steps for n fragments
  // that each spread the next twice: a request of a few hundred bytes would hold the gateway.
  const visited = new Set<string>();
  const visit = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (!selection.name.value.startsWith('_')) fields.push(selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || visited.has(name)) continue; // unknown (the service's validation says so), or gone through already
        visited.add(name);
        visit(fragment.selectionSet);
      }
    }
  };
  visit(operation.selectionSet);
  return fields;
}
