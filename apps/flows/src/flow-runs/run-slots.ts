import { ErrorCode } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';

/**
 * How many runs each instance has under way in this process. The process, its memory and its
 * event loop are shared by every instance: without a share each, one tenant starting endless
 * long runs (an async flow with a `delay`, each holding its input) would starve all the others.
 */
export class RunSlots {
  private readonly running = new Map<string, number>();

  constructor(private readonly perInstance: number) {}

  /**
   * Takes a slot for a new run of `instanceId`, or refuses (429) when it has all of its own; the
   * returned function gives it back, once. A resumed run (`force`) always gets one: it was
   * accepted before.
   */
  take(instanceId: string, { force = false } = {}): () => void {
    const count = this.running.get(instanceId) ?? 0;
    if (count >= this.perInstance && !force) {
      throw new ApiException(
        ErrorCode.RateLimited,
        `At most ${this.perInstance} runs of an instance are under way at once; retry when one has finished`,
        { headers: { 'Retry-After': '1' } },
      );
    }
    this.running.set(instanceId, count + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = (this.running.get(instanceId) ?? 1) - 1;
      if (left > 0) this.running.set(instanceId, left);
      else this.running.delete(instanceId);
    };
  }
}
