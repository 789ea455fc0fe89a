import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { TOPICS, tollgateCatalog, type KeyDeactivationReason } from '@tollgate/contracts';
import { IdempotentConsumer, type KafkaBus } from '@tollgate/event-sourcing';
import { UUID } from '../identity/access';
import type { KeyDeactivation } from '../keys/key-deactivation';
import { busLogger, ConsumerLifecycle } from './consumer-lifecycle';

export interface UserEventReaction {
  /** Consumer group (after the database prefix). WARNING: renaming it strands its offsets. */
  group: string;
  /** An identity event whose data names the user (`userId`). */
  eventType: string;
  reason: KeyDeactivationReason;
}

/**
 * A user event that takes a user's keys away, as the host product publishes it. (When keys itself
 * downgrades or deactivates a user, it deactivates the keys in the same transaction: this
 * reaction then finds none left.) External events name the Tollgate instance (envelope instanceId) and the Tollgate user id
 * (data.userId); an id that is not one of ours is ignored.
 */
export abstract class DeactivateKeysOnUserEvent extends ConsumerLifecycle {
  protected constructor(
    dataSource: DataSource,
    private readonly bus: KafkaBus,
    private readonly deactivation: KeyDeactivation,
    private readonly reaction: UserEventReaction,
  ) {
    super(dataSource);
  }

  protected create(groupPrefix: string): IdempotentConsumer {
    const { deactivation, reaction } = this;
    return new IdempotentConsumer(this.dataSource, this.bus, tollgateCatalog, {
      groupId: `${groupPrefix}.${reaction.group}`,
      topics: [TOPICS.identity],
      logger: busLogger(new Logger(this.constructor.name)),
      handlers: {
        [reaction.eventType]: async (em, event) => {
          const { userId } = event.data as { userId: string };
          if (UUID.test(userId)) {
            await deactivation.ownedBy(em, event.instanceId, userId, reaction.reason, { correlationId: event.correlationId, causationId: event.id });
          }
        },
      },
    });
  }
}
