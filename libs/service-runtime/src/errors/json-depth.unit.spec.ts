import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth';

const nested = (depth: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
};

describe('nestsDeeperThan', () => {
  it('lets scalars and bodies up to the limit through', () => {
    expect(nestsDeeperThan('text')).toBe(false);
    expect(nestsDeeperThan(null)).toBe(false);
    expect(nestsDeeperThan({})).toBe(false);
    expect(nestsDeeperThan(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(nestsDeeperThan({ wide: Array.from({ length: 10_000 }, (_, i) => ({ i })) })).toBe(false);
  });

  it('finds a body one level over the limit, in any branch', () => {
    expect(nestsDeeperThan(nested(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(nestsDeeperThan({ shallow: 1, list: [1, 2, nested(MAX_JSON_DEPTH)] })).toBe(true);
  });

  it('answers for depths that would overflow a recursive walk', () => {
    expect(nestsDeeperThan(JSON.parse('['.repeat(1_000_000) + ']'.repeat(1_000_000)))).toBe(true);
  });
});
