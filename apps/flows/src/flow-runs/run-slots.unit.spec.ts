import { RunSlots } from './run-slots';

describe('RunSlots: each instance its own share of the runs under way', () => {
  it('refuses a run beyond the share with 429 and Retry-After, and only for that instance', () => {
    const slots = new RunSlots(2);
    slots.take('a');
    const second = slots.take('a');
    expect(() => slots.take('a')).toThrow(expect.objectContaining({ status: 429, code: 'rate_limited', options: { headers: { 'Retry-After': '1' } } }));
    expect(() => slots.take('b')).not.toThrow();
    second();
    second(); // given back once, however often called
    expect(() => slots.take('a')).not.toThrow();
    expect(() => slots.take('a')).toThrow(expect.objectContaining({ status: 429 }));
  });

  it('always lets a resumed run go on, which then counts against the share', () => {
    const slots = new RunSlots(1);
    slots.take('a');
    const resumed = slots.take('a', { force: true });
    resumed();
    expect(() => slots.take('a')).toThrow(expect.objectContaining({ status: 429 }));
  });
});
