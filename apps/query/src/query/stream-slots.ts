import { Inject, Injectable } from '@nestjs/common';
import { InstanceShares } from '@tollgate/service-runtime';
import { QUERY_CONFIG, type QueryConfig } from '../config/query.config';

/**
 * How many streamed reads each instance has under way in this process. The cursors share one
 * small pool; without a share per instance, one tenant's stalled downloads would hold all of it.
 */
@Injectable()
export class StreamSlots {
  private readonly shares: InstanceShares;

  constructor(@Inject(QUERY_CONFIG) config: QueryConfig) {
    const perInstance = config.QUERY_STREAMS_PER_INSTANCE;
    this.shares = new InstanceShares(perInstance, {
      message: `At most ${perInstance} streamed queries of an instance run at once; retry when one has finished, or ask for a limit of 1,000 or fewer`,
      retryAfterSeconds: 5,
    });
  }

  /** Takes a slot for `instanceId`, or refuses (429) when it has all of its own; the answer gives it back, once. */
  take(instanceId: string): () => void {
    return this.shares.take(instanceId);
  }
}
