import { parse } from 'graphql';
import type { Principal } from '@tollgate/auth';
import type { FieldType } from '@tollgate/contracts';
import type { EntityCatalogue, KnownEntities } from './entity-catalogue';
import { GraphqlChecks } from './graphql-checks';

/** The catalogue's part in a check: judge the request on these types (no second look-up here). */
function catalogueOf(types: Record<string, Record<string, FieldType>>, revision = 1): EntityCatalogue {
  const known: KnownEntities = { revision, fields: new Map(Object.entries(types).map(([name, fields]) => [name, new Map(Object.entries(fields))])) };
  return { check: async (_instance: string, _request: string, find: (k: KnownEntities) => unknown[]) => find(known) } as unknown as EntityCatalogue;
}

const org: Principal = { instanceId: 'acme', kind: 'organization', scopes: ['query'] } as Principal;
const personal: Principal = { ...org, kind: 'personal', userId: 'u1' } as Principal;
const data: Principal = { ...org, kind: 'data', entities: ['graphs'] } as Principal;

describe('GraphqlChecks', () => {
  const checks = new GraphqlChecks(catalogueOf({ actions: { status: 'string', priority: 'number' }, graphs: { kind: 'string' } }));
  // The wording; where each error is (`locations`) is the end-to-end tests' business.
  const errors = async (principal: Principal, query: string, variables?: Record<string, unknown>, operationName?: string) =>
    (await checks.check(principal, { document: parse(query), variables, operationName }, 'req-1')).errors.map(({ field, message }) => ({ field, message }));

  it('passes what the query service would run', async () => {
    expect(await errors(org, '{ actions(sort: alpha, order: asc, limit: 5, from: "2026-01-01", to: "2026-01-31") { id title status priority responsibilities { userId role } } graphs { kind } }')).toEqual([]);
    expect(await errors(personal, 'query Mine($m: Boolean) { actions(mine: $m) { id } }', { m: true })).toEqual([]);
  });

  it('refuses fields and arguments the caller\'s schema does not have, as the query service words it', async () => {
    expect(await errors(org, '{ actions { id stauts } }')).toEqual([
      { field: 'query', message: 'Cannot query field "stauts" on type "ActionsRecord". Did you mean "status"?' },
    ]);
    expect(await errors(org, '{ actions(mine: true) { id } }')).toEqual([{ field: 'query', message: 'Unknown argument "mine" on field "Query.actions".' }]);
    expect(await errors(data, '{ actions { id } }')).toEqual([{ field: 'query', message: 'Cannot query field "actions" on type "Query".' }]);
    expect(await errors(org, '{ actions(sort: newest) { id } }')).toEqual([
      { field: 'query', message: 'Value "newest" does not exist in "Sort" enum.' },
    ]);
  });

  it('refuses variables of the wrong type and arguments the query rules refuse', async () => {
    const byLimit = 'query($n: Int) { actions(limit: $n) { id } }';
    expect(await errors(org, byLimit, { n: 'x' })).toEqual([{ field: 'query', message: 'Variable "$n" got invalid value "x"; Int cannot represent non-integer value: "x"' }]);
    expect(await errors(org, byLimit, { n: 1001 })).toEqual([{ field: 'limit', message: 'limit must be between 1 and 1000' }]);
    expect(await errors(org, byLimit, { n: 1000 })).toEqual([]);
    expect(await errors(org, '{ actions(from: "2026-02-30") { id } }')).toEqual([{ field: 'from', message: 'from must be a date YYYY-MM-DD' }]);
    expect(await errors(org, '{ actions(from: "2026-03-02", to: "2026-03-01") { id } }')).toEqual([{ field: 'from', message: 'from must not be after to' }]);
  });

  it('builds the schema again when the catalogue learns of a new field', async () => {
    let revision = 1;
    const fields: Record<string, FieldType> = { status: 'string' };
    const known = () => ({ revision, fields: new Map([['actions', new Map(Object.entries(fields))]]) });
    const catalogue = { check: async (_i: string, _r: string, find: (k: KnownEntities) => unknown[]) => find(known()) } as unknown as EntityCatalogue;
    const growing = new GraphqlChecks(catalogue);
    const request = { document: parse('{ actions { owner_team } }') };
    expect((await growing.check(org, request, 'r')).errors).toHaveLength(1);
    fields.owner_team = 'string';
    revision++;
    expect((await growing.check(org, request, 'r')).errors).toEqual([]);
  });

  it('reads each response key once, and not the fields @skip or @include leave out', async () => {
    const read = async (query: string, variables?: Record<string, unknown>) => (await checks.check(org, { document: parse(query), variables }, 'r')).entities;
    expect(await read('{ graphs(limit: 1) { id } graphs(limit: 1) { kind } }')).toEqual(['graphs']);
    expect(await read('{ a: graphs { id } b: graphs { id } actions { id } __typename }')).toEqual(['graphs', 'graphs', 'actions']);
    expect(await read('{ graphs(limit: 1) @include(if: false) { id } }')).toEqual([]);
    const conditional = 'query($all: Boolean = true) { graphs { id } actions @include(if: $all) { id } ... on Query @skip(if: $all) { other: graphs { id } } }';
    expect(await read(conditional)).toEqual(['graphs', 'actions']);
    expect(await read(conditional, { all: false })).toEqual(['graphs', 'graphs']);
  });
});
