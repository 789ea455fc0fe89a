import { ReadShares, ShareWaitTimedOut } from './read-shares';

describe("an instance's share of the read pool", () => {
  it('lets a read past the share wait for one of its own, and forgets an instance with none under way', async () => {
    const shares = new ReadShares(1, 1_000);
    const giveBack = await shares.take('a');
    let second: (() => void) | undefined;
    const waiting = shares.take('a').then((g) => (second = g));
    // Another instance is not held up by the first one's reads.
    const other = await shares.take('b');
    await new Promise((r) => setImmediate(r));
    expect(second).toBeUndefined();
    giveBack();
    giveBack(); // once only: the second call gives nothing back twice
    await waiting;
    expect(second).toBeDefined();
    other();
    second!();
    expect(shares.instances).toBe(0);
  });

  it('refuses a read that waited for its share longer than a read may wait', async () => {
    const shares = new ReadShares(1, 50);
    const giveBack = await shares.take('a');
    await expect(shares.take('a')).rejects.toBeInstanceOf(ShareWaitTimedOut);
    giveBack();
    // The timed-out wait took nothing for good, and left nothing behind: the share is whole again.
    expect(shares.instances).toBe(0);
    const again = await shares.take('a');
    again();
    expect(shares.instances).toBe(0);
  });

  it('keeps no waiter that gave up, however many there were, and serves the next one in order', async () => {
    const shares = new ReadShares(1, 20);
    const giveBack = await shares.take('a');
    const gaveUp = await Promise.allSettled(Array.from({ length: 1_000 }, () => shares.take('a')));
    expect(gaveUp.every((r) => r.status === 'rejected')).toBe(true);
    const order: string[] = [];
    const first = shares.take('a').then((g) => (order.push('first'), g));
    const second = shares.take('a').then((g) => (order.push('second'), g));
    giveBack();
    (await first)();
    (await second)();
    expect(order).toEqual(['first', 'second']);
    expect(shares.instances).toBe(0);
  });
});
