import { IsUUID } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export class UserDeactivatedV1 {
  /** The Tollgate user id (a UUID), also when the host product publishes the event. */
  @IsUUID() userId!: string;
}

export const UserDeactivated = defineEvent('UserDeactivated', 1, TOPICS.identity, UserDeactivatedV1);
