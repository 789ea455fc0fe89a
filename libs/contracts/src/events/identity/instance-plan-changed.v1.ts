import { IsInt, IsString, Min, MinLength } from 'class-validator';
import { defineEvent } from '../../event-contract';
import { TOPICS } from '../../topics';

/** The operator changed an instance's plan; the credit account follows (credits records PlanChanged). */
export class InstancePlanChangedV1 {
  @IsInt() @Min(0) dailyCredits!: number;
  /** IANA zone, e.g. Europe/Paris. */
  @IsString() @MinLength(1) timezone!: string;
}

export const InstancePlanChanged = defineEvent('InstancePlanChanged', 1, TOPICS.identity, InstancePlanChangedV1);
