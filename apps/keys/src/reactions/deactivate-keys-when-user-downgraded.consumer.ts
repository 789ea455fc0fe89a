import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UserDowngraded } from '@tollgate/contracts';
import { KafkaBus } from '@tollgate/event-sourcing';
import { KeyDeactivation } from '../keys/key-deactivation';
import { DeactivateKeysOnUserEvent } from './deactivate-keys-on-user-event';

export const DOWNGRADE_GROUP = 'keys.deactivate-keys-when-user-downgraded';

/** A user with no admin role left loses their keys. */
@Injectable()
export class DeactivateKeysWhenUserDowngraded extends DeactivateKeysOnUserEvent {
  constructor(dataSource: DataSource, bus: KafkaBus, deactivation: KeyDeactivation) {
    super(dataSource, bus, deactivation, { group: DOWNGRADE_GROUP, eventType: UserDowngraded.type, reason: 'owner_downgraded' });
  }
}
