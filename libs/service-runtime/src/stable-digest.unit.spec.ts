import { stableDigest } from './idempotency-key';

describe('the digest of a call sent under an Idempotency-Key (unit)', () => {
  it('is the same whatever the order of the keys of its objects, at any depth', () => {
    const one = { operations: [{ action: 'insert', rows: [{ id: '1', title: 'a', tags: { x: 1, y: 2 } }] }], async: false };
    const other = { async: false, operations: [{ rows: [{ tags: { y: 2, x: 1 }, title: 'a', id: '1' }], action: 'insert' }] };
    expect(stableDigest(other)).toBe(stableDigest(one));
  });

  it('tells apart what differs, the order of a list included', () => {
    expect(stableDigest({ rows: [1, 2] })).not.toBe(stableDigest({ rows: [2, 1] }));
    expect(stableDigest({ a: 1 })).not.toBe(stableDigest({ a: '1' }));
  });

  it('keeps the digests already stored with flow runs’ keys', () => {
    // Written by the flows service before the function was shared: a retry of that call must still match.
    expect(stableDigest({ mediaType: 'application/json', body: { b: [2, 1], a: { d: 1, c: null } } })).toBe('7-EuCCVVSQeH38MnWpCi3HM0ALMqzHFkcayGFC3Sp-0');
  });
});
