import { parse } from 'graphql';
import { buildSchema } from './graphql-schema';
import { MAX_RECORD_FIELDS, rootFieldsRead } from './root-fields-read';

const schema = buildSchema([{ name: 'graphs', fields: [{ name: 'kind', type: 'string' }] }], { personal: false }, () => []);
const read = (query: string, variables?: Record<string, unknown>) => {
  const result = rootFieldsRead(schema, { document: parse(query), variables });
  return 'errors' in result ? { errors: result.errors.map((e) => e.message) } : result;
};
const aliases = (n: number, field = 'kind') => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ');

describe('rootFieldsRead', () => {
  it('counts one read per response key, without introspection or skipped fields', () => {
    expect(read('{ __typename a: graphs { id } b: graphs { id } graphs { id } graphs { kind } }')).toEqual({ entities: ['graphs', 'graphs', 'graphs'] });
    expect(read('query($x: Boolean!) { graphs @skip(if: $x) { id } }', { x: true })).toEqual({ entities: [] });
  });

  it(`refuses a record asked for more than ${MAX_RECORD_FIELDS} fields, aliases and nested ones included`, () => {
    // Each alias is a value in every record: 2,000 of them over 1,000 records built a 220 MB answer for one credit.
    expect(read(`{ graphs { ${aliases(MAX_RECORD_FIELDS)} } }`)).toEqual({ entities: ['graphs'] });
    expect(read(`{ graphs { ${aliases(MAX_RECORD_FIELDS + 1)} } }`)).toEqual({
      errors: [`a record may be asked for at most ${MAX_RECORD_FIELDS} fields (aliases and nested fields included); graphs asks for ${MAX_RECORD_FIELDS + 1}`],
    });
    expect(read(`{ graphs { id responsibilities { ${aliases(MAX_RECORD_FIELDS, 'userId')} } } }`)).toEqual({
      errors: [`a record may be asked for at most ${MAX_RECORD_FIELDS} fields (aliases and nested fields included); graphs asks for ${MAX_RECORD_FIELDS + 2}`],
    });
    // Counted as graphql-js runs them: a field named again is one value, a skipped one none.
    expect(read(`{ graphs { ${'kind '.repeat(500)} ...F } } fragment F on GraphsRecord { kind id }`)).toEqual({ entities: ['graphs'] });
    expect(read(`query($x: Boolean!) { graphs { id ... @skip(if: $x) { ${aliases(MAX_RECORD_FIELDS)} } } }`, { x: true })).toEqual({ entities: ['graphs'] });
  });
});
