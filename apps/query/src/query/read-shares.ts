/** Reads beyond their instance's share waited as long as a read may wait for a connection. */
export class ShareWaitTimedOut extends Error {}

interface Share {
  held: number;
  /** Reads waiting for one of the instance's own to end, first come first served. */
  waiting: Array<() => void>;
}

/**
 * How many reads answered in one round trip each instance may have under way in this process.
 * They share one pool (QUERY_POOL_SIZE): without a share, one tenant's slow aggregates, or a burst
 * of its reads, would hold every connection and every other instance's reads would wait behind
 * them, or be answered busy. A read beyond its instance's share waits for one of that instance's
 * own reads to end, no longer than a read waits for a connection, so other instances' reads find
 * the rest of the pool.
 *
 * A counter and a queue per instance, not a semaphore library's: a read that gives up waiting
 * leaves the queue at once (async-mutex keeps it queued until a slot would have been its), and an
 * instance with nothing held or waiting is forgotten.
 */
export class ReadShares {
  private readonly shares = new Map<string, Share>();

  constructor(
    private readonly perInstance: number,
    private readonly waitMs: number,
  ) {}

  /** Takes one of the instance's share (waiting for it); the returned function gives it back, once. */
  async take(instanceId: string): Promise<() => void> {
    let share = this.shares.get(instanceId);
    if (!share) this.shares.set(instanceId, (share = { held: 0, waiting: [] }));
    if (share.held < this.perInstance) share.held++;
    else await this.waitFor(instanceId, share);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.giveBack(instanceId, share);
    };
  }

  /** Instances with reads under way or waiting. */
  get instances(): number {
    return this.shares.size;
  }

  /** Resolves once a read of the instance hands its place over; throws past the wait. */
  private waitFor(instanceId: string, share: Share): Promise<void> {
    return new Promise((resolve, reject) => {
      const handOver = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        share.waiting.splice(share.waiting.indexOf(handOver), 1);
        this.forgetIfIdle(instanceId, share);
        reject(new ShareWaitTimedOut());
      }, this.waitMs);
      share.waiting.push(handOver);
    });
  }

  private giveBack(instanceId: string, share: Share): void {
    // The place passes to the first read waiting, held all along: no one can take it in between.
    const next = share.waiting.shift();
    if (next) return next();
    share.held--;
    this.forgetIfIdle(instanceId, share);
  }

  private forgetIfIdle(instanceId: string, share: Share): void {
    if (share.held === 0 && share.waiting.length === 0 && this.shares.get(instanceId) === share) this.shares.delete(instanceId);
  }
}
