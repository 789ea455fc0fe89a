import { bySize } from './kafka-bus';

describe('produce requests by size (unit)', () => {
  const message = (value: string) => ({ topic: 't', key: 'k', value });

  it('keeps the order and puts as many messages in a request as the budget allows, a larger one alone', () => {
    const [a, b, c, big, d] = [message('a'.repeat(3)), message('b'.repeat(3)), message('c'.repeat(3)), message('x'.repeat(50)), message('d')];
    expect(bySize([a, b, c, big, d], 8)).toEqual([[a, b], [c], [big], [d]]);
    expect(bySize([], 8)).toEqual([]);
  });
});
