import { getIntrospectionQuery, GraphQLError, Kind } from 'graphql';
import { MAX_DOCUMENT_DEPTH, parseDocument } from './parse-document';

const refusal = (query: string) => {
  try {
    parseDocument(query);
  } catch (error) {
    if (error instanceof GraphQLError) return { message: error.message, locations: error.locations };
    throw error;
  }
  throw new Error('not refused');
};

describe('parseDocument', () => {
  const tooDeep = `the document is nested too deeply (at most ${MAX_DOCUMENT_DEPTH} levels of braces, brackets and parentheses)`;

  it('refuses a document nested deeper than the limit before parsing it, saying where, however deep', () => {
    for (const levels of [MAX_DOCUMENT_DEPTH + 1, 2_000, 50_000]) {
      expect(refusal(`{${'a{'.repeat(levels)}b${'}'.repeat(levels + 1)}`)).toEqual({ message: tooDeep, locations: [{ line: 1, column: 2 * MAX_DOCUMENT_DEPTH + 1 }] });
    }
    // Lists and objects in arguments, and inline fragments, nest alike.
    expect(refusal(`{ a(x: ${'['.repeat(5_000)}${']'.repeat(5_000)}) { b } }`).message).toBe(tooDeep);
    expect(refusal(`{ a(x: ${'{y: '.repeat(5_000)}1${'}'.repeat(5_000)}) { b } }`).message).toBe(tooDeep);
    expect(refusal(`{${'... on Query {'.repeat(5_000)} a ${'}'.repeat(5_001)}`).message).toBe(tooDeep);
  });

  it('parses what nests up to the limit, and does not count braces in strings and comments', () => {
    const deepest = `{${'a{'.repeat(MAX_DOCUMENT_DEPTH - 1)}b${'}'.repeat(MAX_DOCUMENT_DEPTH)}`;
    expect(parseDocument(deepest).definitions[0].kind).toBe(Kind.OPERATION_DEFINITION);
    expect(parseDocument(`{ a(x: "${'{'.repeat(5_000)}") { b } } # ${'['.repeat(5_000)}\n`).definitions).toHaveLength(1);
    expect(parseDocument(`{ a(x: """${'('.repeat(5_000)}""") { b } }`).definitions).toHaveLength(1);
    // What GraphiQL and code generators send.
    expect(parseDocument(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, inputValueDeprecation: true })).definitions.length).toBeGreaterThan(1);
  });

  it('refuses a document whose fragments, spread in place, nest deeper than the limit, however few braces each holds', () => {
    const chain = (levels: number) =>
      `{ __type(name: "Query") { ...F0 } }${Array.from({ length: levels }, (_, i) => ` fragment F${i} on __Type { ofType { ...F${i + 1} } }`).join('')} fragment F${levels} on __Type { name }`;
    const throughFragments = `the document is nested too deeply through its fragments (at most ${MAX_DOCUMENT_DEPTH} levels of selections, each fragment counted where it is spread)`;
    for (const levels of [MAX_DOCUMENT_DEPTH, 2_000, 2_800]) expect(refusal(chain(levels))).toEqual({ message: throughFragments, locations: [{ line: 1, column: 1 }] });
    expect(parseDocument(chain(MAX_DOCUMENT_DEPTH - 2)).definitions).toHaveLength(MAX_DOCUMENT_DEPTH);
    // A fragment spread many times is measured once; a cycle (which validation refuses) ends the walk.
    const doubling = Array.from({ length: 30 }, (_, i) => `fragment D${i} on Query { ...D${i + 1} ...D${i + 1} }`).join(' ');
    expect(parseDocument(`{ ...D0 } ${doubling} fragment D30 on Query { a }`).definitions).toHaveLength(32);
    expect(parseDocument('{ ...A } fragment A on Query { a { ...B } } fragment B on A { b { ...A } }').definitions).toHaveLength(3);
  });

  it('leaves syntax errors to the parser, which names them', () => {
    expect(refusal('{ a { b ')).toEqual({ message: 'Syntax Error: Expected Name, found <EOF>.', locations: [{ line: 1, column: 9 }] });
    expect(refusal('{ a(x: "unterminated) { b } }').message).toBe('Syntax Error: Unterminated string.');
  });
});
