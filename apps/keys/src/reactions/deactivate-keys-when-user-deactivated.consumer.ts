import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UserDeactivated } from '@tollgate/contracts';
import { KafkaBus } from '@tollgate/event-sourcing';
import { KeyDeactivation } from '../keys/key-deactivation';
import { DeactivateKeysOnUserEvent } from './deactivate-keys-on-user-event';

export const DEACTIVATION_GROUP = 'keys.deactivate-keys-when-user-deactivated';

/** A deactivated user loses their keys. */
@Injectable()
export class DeactivateKeysWhenUserDeactivated extends DeactivateKeysOnUserEvent {
  constructor(dataSource: DataSource, bus: KafkaBus, deactivation: KeyDeactivation) {
    super(dataSource, bus, deactivation, { group: DEACTIVATION_GROUP, eventType: UserDeactivated.type, reason: 'owner_deactivated' });
  }
}
