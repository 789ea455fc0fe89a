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
    // The timed-out wait took nothing for good: the share is whole again.
    const again = await shares.take('a');
    again();
    await new Promise((r) => setImmediate(r));
    expect(shares.instances).toBe(0);
  });
});
