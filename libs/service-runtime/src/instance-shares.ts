import { ApiException } from './errors/api-exception';

/**
 * Each instance's share of something a process has a bounded amount of (open streams, runs under
 * way): one tenant holding all of it would starve the others. Past its share an instance is
 * refused with 429 `rate_limited` and `Retry-After`.
 */
export class InstanceShares {
  private readonly held = new Map<string, number>();

  /** `refusal` says what is refused and what to do, for the 429's message. */
  constructor(
    private readonly perInstance: number,
    private readonly refusal: { message: string; retryAfterSeconds: number },
  ) {}

  /**
   * Takes one of `instanceId`'s share, or refuses (429) when it holds all of it; the returned
   * function gives it back, once. `force` takes one beyond the share (work accepted before).
   */
  take(instanceId: string, { force = false } = {}): () => void {
    const count = this.held.get(instanceId) ?? 0;
    if (count >= this.perInstance && !force) {
      throw ApiException.rateLimited(this.refusal.message, this.refusal.retryAfterSeconds);
    }
    this.held.set(instanceId, count + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = (this.held.get(instanceId) ?? 1) - 1;
      if (left > 0) this.held.set(instanceId, left);
      else this.held.delete(instanceId);
    };
  }
}
