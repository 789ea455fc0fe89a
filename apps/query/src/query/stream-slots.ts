import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { QUERY_CONFIG, type QueryConfig } from '../config/query.config';

/**
 * How many streamed reads each instance has under way in this process. The cursors share one
 * small pool; without a share per instance, one tenant's stalled downloads would hold all of it.
 */
@Injectable()
export class StreamSlots {
  private readonly open = new Map<string, number>();
  private readonly perInstance: number;

  constructor(@Inject(QUERY_CONFIG) config: QueryConfig) {
    this.perInstance = config.QUERY_STREAMS_PER_INSTANCE;
  }

  /** Takes a slot for `instanceId`, or refuses (429) when it has all of its own; the answer gives it back, once. */
  take(instanceId: string): () => void {
    const count = this.open.get(instanceId) ?? 0;
    if (count >= this.perInstance) {
      throw new ApiException(
        ErrorCode.RateLimited,
        `At most ${this.perInstance} streamed queries of an instance run at once; retry when one has finished, or ask for a limit of 1,000 or fewer`,
        { headers: { 'Retry-After': '5' } },
      );
    }
    this.open.set(instanceId, count + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = (this.open.get(instanceId) ?? 1) - 1;
      if (left > 0) this.open.set(instanceId, left);
      else this.open.delete(instanceId);
    };
  }
}
