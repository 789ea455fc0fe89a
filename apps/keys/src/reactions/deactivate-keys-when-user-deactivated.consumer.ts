import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TOPICS, tollgateCatalog, UserDeactivated, type EventData } from '@tollgate/contracts';
import { IdempotentConsumer, KafkaBus } from '@tollgate/event-sourcing';
import { UUID } from '../identity/access';
import { KeyDeactivation } from '../keys/key-deactivation';
import { busLogger, ConsumerLifecycle } from './consumer-lifecycle';

export const DEACTIVATION_GROUP = 'keys.deactivate-keys-when-user-deactivated';

/**
 * A deactivated user loses their keys, whether keys itself or the host product
 * published the deactivation. External events name the Tollgate instance (envelope instanceId) and
 * the Tollgate user id (data.userId).
 */
@Injectable()
export class DeactivateKeysWhenUserDeactivated extends ConsumerLifecycle {
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
      groupId: `${groupPrefix}.${DEACTIVATION_GROUP}`,
      topics: [TOPICS.identity],
      logger: busLogger(new Logger(DeactivateKeysWhenUserDeactivated.name)),
      handlers: {
        [UserDeactivated.type]: async (em, event) => {
          const { userId } = event.data as EventData<typeof UserDeactivated>;
          if (UUID.test(userId)) await deactivation.ownedBy(em, event.instanceId, userId, 'owner_deactivated', event.id);
        },
      },
    });
  }
}
