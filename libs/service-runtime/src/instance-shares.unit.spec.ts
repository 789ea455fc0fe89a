import { InstanceShares } from './instance-shares';

describe('InstanceShares: each instance its own share', () => {
  const refusal = { message: 'At most 2 at once', retryAfterSeconds: 3 };

  it('refuses beyond the share with 429 and Retry-After, and only for that instance', () => {
    const shares = new InstanceShares(2, refusal);
    shares.take('a');
    const second = shares.take('a');
    expect(() => shares.take('a')).toThrow(
      expect.objectContaining({ status: 429, code: 'rate_limited', message: 'At most 2 at once', options: { headers: { 'Retry-After': '3' } } }),
    );
    expect(() => shares.take('b')).not.toThrow();
    second();
    second(); // given back once, however often called
    expect(() => shares.take('a')).not.toThrow();
    expect(() => shares.take('a')).toThrow(expect.objectContaining({ status: 429 }));
  });

  it('always lets work accepted before go on (force), which then counts against the share', () => {
    const shares = new InstanceShares(1, refusal);
    shares.take('a');
    const resumed = shares.take('a', { force: true });
    resumed();
    expect(() => shares.take('a')).toThrow(expect.objectContaining({ status: 429 }));
  });
});
