import { ApiException } from '@tollgate/service-runtime';
import { graphqlRootFields, parseGraphql } from './graphql-root-fields';

const rootFields = (query: string, operationName?: string) => graphqlRootFields(parseGraphql(query), operationName);

/** The field errors a refused request answers with. */
function refusal(query: string, operationName?: string): string[] {
  try {
    rootFields(query, operationName);
  } catch (error) {
    if (error instanceof ApiException) return (error.options.errors ?? []).map((e) => e.message);
    throw error;
  }
  throw new Error('not refused');
}

describe('graphqlRootFields', () => {
  it('counts every root field read, through aliases and fragments, and leaves introspection out', () => {
    const query = `
      query Q { a: actions { id } b: actions { id } ...More ... on Query { docs { id } } __typename __schema { types { name } } }
      fragment More on Query { graphs { id } ...More }`;
    expect(rootFields(query)).toEqual(['actions', 'actions', 'graphs', 'docs']);
  });

  it('goes through a fragment spread many times once, as graphql-js runs it: a short request cannot make it read for ever', () => {
    // Each fragment spreads the next twice: 2^n paths to the one field, in a request of a few hundred bytes.
    const n = 20;
    const fragments = Array.from({ length: n }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ');
    expect(rootFields(`{ ...F0 } ${fragments} fragment F${n} on Query { actions { id } }`)).toEqual(['actions']);
    expect(rootFields('{ ...A ...A ...B } fragment A on Query { actions { id } } fragment B on Query { ...A graphs { id } }')).toEqual(['actions', 'graphs']);
  });

  it('leaves out the field an instance without entity types offers, which reads nothing', () => {
    expect(rootFields('{ _empty __typename }')).toEqual([]);
  });

  it('picks the named operation, and needs a name when there are several', () => {
    const two = 'query A { actions { id } } query B { graphs { id } }';
    expect(rootFields(two, 'B')).toEqual(['graphs']);
    expect(refusal(two)).toEqual(['operationName is required when the document has several operations']);
    expect(refusal(two, 'C')).toEqual(['no operation named C']);
    expect(refusal('fragment F on Query { actions { id } }')).toEqual(['the document has no operation']);
  });

  it('refuses syntax errors and anything but queries', () => {
    expect(refusal('{ actions { id ')).toEqual([expect.stringContaining('Syntax Error')]);
    // Nested deeper than graphql-js's parser has stack for: a reason, not "Maximum call stack size exceeded".
    const tooDeep = 'the document is nested too deeply (at most 64 levels of braces, brackets and parentheses)';
    expect(refusal(`{ ${'actions { '.repeat(20_000)}id${' }'.repeat(20_001)}`)).toEqual([tooDeep]);
    expect(refusal(`{ actions(limit: ${'['.repeat(20_000)}${']'.repeat(20_000)}) { id } }`)).toEqual([tooDeep]);
    expect(refusal('mutation { actions { id } }')).toEqual(['mutations are not offered; queries only']);
    expect(refusal('subscription { actions { id } }')).toEqual(['subscriptions are not offered; queries only']);
  });
});
