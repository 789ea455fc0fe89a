import { E_TIMEOUT, Semaphore, withTimeout, type SemaphoreInterface } from 'async-mutex';

/** Reads beyond their instance's share waited as long as a read may wait for a connection. */
export class ShareWaitTimedOut extends Error {}

/**
 * How many reads answered in one round trip each instance may have under way in this process.
 * They share one pool (QUERY_POOL_SIZE): without a share, one tenant's slow aggregates, or a burst
 * of its reads, would hold every connection and every other instance's reads would wait behind
 * them, or be answered busy. A read beyond its instance's share waits for one of that instance's
 * own reads to end, no longer than a read waits for a connection, so other instances' reads find
 * the rest of the pool.
 */
export class ReadShares {
  private readonly shares = new Map<string, { semaphore: Semaphore; bounded: SemaphoreInterface }>();

  constructor(
    private readonly perInstance: number,
    private readonly waitMs: number,
  ) {}

  /** Takes one of the instance's share (waiting for it); the returned function gives it back, once. */
  async take(instanceId: string): Promise<() => void> {
    let share = this.shares.get(instanceId);
    if (!share) {
      const semaphore = new Semaphore(this.perInstance);
      share = { semaphore, bounded: withTimeout(semaphore, this.waitMs) };
      this.shares.set(instanceId, share);
    }
    const { semaphore, bounded } = share;
    const [, release] = await bounded.acquire().catch((error: unknown) => {
      throw error === E_TIMEOUT ? new ShareWaitTimedOut() : error;
    });
    let given = false;
    return () => {
      if (given) return;
      given = true;
      release();
      // Nobody of the instance holds or waits for a read: forget it until its next one.
      if (semaphore.getValue() === this.perInstance && this.shares.get(instanceId)?.semaphore === semaphore) this.shares.delete(instanceId);
    };
  }

  /** Instances with reads under way or waiting (for the tests and metrics). */
  get instances(): number {
    return this.shares.size;
  }
}
