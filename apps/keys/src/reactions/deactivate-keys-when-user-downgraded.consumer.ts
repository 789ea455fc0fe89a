import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TOPICS, tollgateCatalog, UserDowngraded, type EventData } from '@tollgate/contracts';
import { IdempotentConsumer, KafkaBus } from '@tollgate/event-sourcing';
import { UUID } from '../identity/access';
import { KeyDeactivation } from '../keys/key-deactivation';
import { busLogger, ConsumerLifecycle } from './consumer-lifecycle';

export const DOWNGRADE_GROUP = 'keys.deactivate-keys-when-user-downgraded';

/**
 * A user with no admin role left loses their keys, whether keys itself or the host product
 * published the downgrade. External events name the Tollgate instance (envelope instanceId) and
 * the Tollgate user id (data.userId).
 */
@Injectable()
export class DeactivateKeysWhenUserDowngraded extends ConsumerLifecycle {
  constructor(
    dataSource: DataSource,
    private readonly bus: KafkaBus,
    private readonly deactivation: KeyDeactivation,
  ) {
    super(dataSource);
  }

  protected create(groupPrefix: string): IdempotentConsumer {
    const { deactivation } = this;
    return new IdempotentConsumer(this.dataSource, this.bus, tollgateCatalog, {
      groupId: `${groupPrefix}.${DOWNGRADE_GROUP}`,
      topics: [TOPICS.identity],
      logger: busLogger(new Logger(DeactivateKeysWhenUserDowngraded.name)),
      handlers: {
        [UserDowngraded.type]: async (em, event) => {
          const { userId } = event.data as EventData<typeof UserDowngraded>;
          if (UUID.test(userId)) await deactivation.ownedBy(em, event.instanceId, userId, 'owner_downgraded', event.id);
        },
      },
    });
  }
}
