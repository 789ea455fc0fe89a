import { IsUUID } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';
import { IsModuleRoles, type ModuleRoles } from './module-roles';

export class UserRolesChangedV1 {
  /** The Tollgate user id (a UUID), also when the host product publishes the event. */
  @IsUUID() userId!: string;
  @IsModuleRoles() roles!: ModuleRoles;
}

export const UserRolesChanged = defineEvent('UserRolesChanged', 1, TOPICS.identity, UserRolesChangedV1);
