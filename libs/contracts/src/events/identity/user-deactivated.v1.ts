import { IsString, MinLength } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export class UserDeactivatedV1 {
  @IsString() @MinLength(1) userId!: string;
}

export const UserDeactivated = defineEvent('UserDeactivated', 1, TOPICS.identity, UserDeactivatedV1);
