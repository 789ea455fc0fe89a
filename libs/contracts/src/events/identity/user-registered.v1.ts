import { IsEmail, IsString, IsUUID } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';
import { IsModuleRoles, type ModuleRoles } from './module-roles';

export class UserRegisteredV1 {
  /** The Tollgate user id (a UUID), also when the host product publishes the event. */
  @IsUUID() userId!: string;
  @IsEmail() email!: string;
  @IsString() name!: string;
  @IsModuleRoles() roles!: ModuleRoles;
}

export const UserRegistered = defineEvent('UserRegistered', 1, TOPICS.identity, UserRegisteredV1);
