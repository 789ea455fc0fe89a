import { IsString, MinLength } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export class UserReactivatedV1 {
  @IsString() @MinLength(1) userId!: string;
}

export const UserReactivated = defineEvent('UserReactivated', 1, TOPICS.identity, UserReactivatedV1);
