import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UserDeactivated } from '@tollgate/contracts';
import { KafkaBus } from '@tollgate/event-sourcing';
import { UsersService } from '../users/users.service';
import { ReactToHostUserEvent } from './react-to-host-user-event';

/**
 * Named for what the reaction first did (end the user's keys). A group's committed offsets live
 * under its name: renamed, it would read its topic again from where a new group starts.
 */
export const DEACTIVATION_GROUP = 'keys.deactivate-keys-when-user-deactivated';

/** A user the host product deactivated is deactivated here too: no login, session or key of theirs works. */
@Injectable()
export class DeactivateUserWhenHostDeactivates extends ReactToHostUserEvent {
  constructor(dataSource: DataSource, bus: KafkaBus, users: UsersService) {
    super(dataSource, bus, {
      group: DEACTIVATION_GROUP,
      eventType: UserDeactivated.type,
      apply: (em, event, userId) => users.deactivateAtHostsWord(em, event.instanceId, userId, { correlationId: event.correlationId, causationId: event.id }),
    });
  }
}
