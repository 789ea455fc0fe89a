import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CommandRunner, EventStore } from '@tollgate/event-sourcing';
import { identityProjection } from './identity.projection';

/** The command runner of this service, with its projections. */
@Injectable()
export class IdentityCommands extends CommandRunner {
  constructor(dataSource: DataSource, store: EventStore) {
    super(dataSource, store, [identityProjection]);
  }
}
