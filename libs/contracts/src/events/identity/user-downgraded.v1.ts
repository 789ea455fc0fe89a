import { IsString, MinLength } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export class UserDowngradedV1 {
  @IsString() @MinLength(1) userId!: string;
}

export const UserDowngraded = defineEvent('UserDowngraded', 1, TOPICS.identity, UserDowngradedV1);
