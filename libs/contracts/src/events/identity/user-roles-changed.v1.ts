import { IsString, MinLength } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';
import { IsModuleRoles, type ModuleRoles } from './module-roles';

export class UserRolesChangedV1 {
  @IsString() @MinLength(1) userId!: string;
  @IsModuleRoles() roles!: ModuleRoles;
}

export const UserRolesChanged = defineEvent('UserRolesChanged', 1, TOPICS.identity, UserRolesChangedV1);
