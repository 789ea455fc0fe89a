import { getIntrospectionQuery, parse } from 'graphql';
import { buildSchema } from './graphql-schema';
import { MAX_INTROSPECTION_TYPES, MAX_RECORD_FIELDS, MAX_REQUEST_FIELDS, rootFieldsRead } from './root-fields-read';

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
    expect(read(`{ graphs { id ${aliases(MAX_RECORD_FIELDS - 3)} r: responsibilities { userId role } } }`)).toEqual({
      errors: [`a record may be asked for at most ${MAX_RECORD_FIELDS} fields (aliases and nested fields included); graphs asks for ${MAX_RECORD_FIELDS + 1}`],
    });
    // Counted as graphql-js runs them: a field named again is one value, a skipped one none.
    expect(read(`{ graphs { ${'kind '.repeat(500)} ...F } } fragment F on GraphsRecord { kind id }`)).toEqual({ entities: ['graphs'] });
    expect(read(`query($x: Boolean!) { graphs { id ... @skip(if: $x) { ${aliases(MAX_RECORD_FIELDS)} } } }`, { x: true })).toEqual({ entities: ['graphs'] });
  });

  it(`refuses a request asking its records for more than ${MAX_REQUEST_FIELDS} fields in all, however they are spread over root fields`, () => {
    const roots = (n: number) => Array.from({ length: n }, (_, i) => `g${i}: graphs { ${aliases(MAX_RECORD_FIELDS)} }`).join(' ');
    const allowed = MAX_REQUEST_FIELDS / MAX_RECORD_FIELDS;
    expect(read(`{ ${roots(allowed)} }`)).toEqual({ entities: Array(allowed).fill('graphs') });
    expect(read(`{ ${roots(allowed)} last: graphs { id } }`)).toEqual({
      errors: [`a request may ask its records for at most ${MAX_REQUEST_FIELDS} fields in all (each root field's, aliases included); this one asks for more by last`],
    });
  });

  it('refuses aliases inside a list of a record, each answered once per entry of a list without bound', () => {
    const ALIASED = 'aliases are not taken inside a list of a record (responsibilities): each would repeat a value once per entry, and a list has no bound';
    // 98 values by the record count, but 98 per responsibility: 2 million values from 1,000 records of 20.
    expect(read(`{ graphs { responsibilities { ${aliases(MAX_RECORD_FIELDS - 2, 'userId')} } } }`)).toEqual({ errors: [ALIASED] });
    expect(read('{ graphs { responsibilities { ...R } } } fragment R on Responsibility { userId who: userId }')).toEqual({ errors: [ALIASED] });
    expect(read('{ graphs { id mine: responsibilities { userId role } responsibilities { role } } }')).toEqual({ entities: ['graphs'] });
  });

  it('takes introspection as tools send it, free, but not aliases that would repeat it', () => {
    const full = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true });
    expect(read(full)).toEqual({ entities: [] });
    expect(read('{ __schema { types { name } } __schema { queryType { name } } a: __type(name: "Query") { name } b: __type(name: "Sort") { name } }')).toEqual({ entities: [] });
    // Aliases of introspection: 1,000 of them built a 60 MB answer in 10 s, for nothing.
    const ALIASED = 'aliases are not taken in introspection (only to ask __type for several types); each would only repeat what the schema says';
    expect(read('{ a: __schema { types { name } } b: __schema { types { name } } }')).toEqual({ errors: [ALIASED] });
    expect(read('{ __schema { types { name n: name } } }')).toEqual({ errors: [ALIASED] });
    expect(read('{ __type(name: "Query") { ...F } } fragment F on __Type { fields { one: type { name } } }')).toEqual({ errors: [ALIASED] });
    const types = (n: number) => Array.from({ length: n }, (_, i) => `t${i}: __type(name: "Query") { name }`).join(' ');
    expect(read(`{ ${types(MAX_INTROSPECTION_TYPES)} }`)).toEqual({ entities: [] });
    expect(read(`{ ${types(MAX_INTROSPECTION_TYPES + 1)} }`)).toEqual({ errors: [`at most ${MAX_INTROSPECTION_TYPES} __type fields per request`] });
  });
});
