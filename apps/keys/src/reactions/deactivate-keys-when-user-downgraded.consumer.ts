import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UserDowngraded } from '@tollgate/contracts';
import { KafkaBus } from '@tollgate/event-sourcing';
import { KeyDeactivation } from '../keys/key-deactivation';
import { ReactToHostUserEvent } from './react-to-host-user-event';

export const DOWNGRADE_GROUP = 'keys.deactivate-keys-when-user-downgraded';

/** A user the host product downgraded loses their keys (their roles here are Tollgate's to change). */
@Injectable()
export class DeactivateKeysWhenUserDowngraded extends ReactToHostUserEvent {
  constructor(dataSource: DataSource, bus: KafkaBus, deactivation: KeyDeactivation) {
    super(dataSource, bus, {
      group: DOWNGRADE_GROUP,
      eventType: UserDowngraded.type,
      apply: (em, event, userId) =>
        deactivation.ownedBy(em, event.instanceId, userId, 'owner_downgraded', { correlationId: event.correlationId, causationId: event.id }).then(() => undefined),
    });
  }
}
