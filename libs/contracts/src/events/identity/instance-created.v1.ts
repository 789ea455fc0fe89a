import { IsInt, IsString, Min, MinLength } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

export class InstanceCreatedV1 {
  @IsString() @MinLength(1) name!: string;
  @IsInt() @Min(0) dailyCredits!: number;
  /** IANA zone, e.g. Europe/Paris. */
  @IsString() @MinLength(1) timezone!: string;
}

export const InstanceCreated = defineEvent('InstanceCreated', 1, TOPICS.identity, InstanceCreatedV1);
