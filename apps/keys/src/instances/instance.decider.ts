import { ErrorCode, InstanceCreated, InstancePlanChanged } from '@tollgate/contracts';
import { pendingEvent, type Decider } from '@tollgate/event-sourcing';
import { ApiException } from '@tollgate/service-runtime';

export interface InstanceState {
  exists: boolean;
  dailyCredits: number;
  timezone: string;
}

export type InstanceCommand =
  | { type: 'create'; name: string; dailyCredits: number; timezone: string }
  | { type: 'changePlan'; dailyCredits?: number; timezone?: string };

export const instanceDecider: Decider<InstanceState, InstanceCommand> = {
  initialState: () => ({ exists: false, dailyCredits: 0, timezone: 'UTC' }),
  evolve: (state, event) => {
    if (event.type !== InstanceCreated.type && event.type !== InstancePlanChanged.type) return state;
    const data = event.data as { dailyCredits: number; timezone: string };
    return { exists: true, dailyCredits: data.dailyCredits, timezone: data.timezone };
  },
  decide: (command, state) => {
    if (command.type === 'create') {
      if (state.exists) throw new ApiException(ErrorCode.Conflict, 'An instance with this id already exists');
      return [pendingEvent(InstanceCreated, { name: command.name, dailyCredits: command.dailyCredits, timezone: command.timezone })];
    }
    if (!state.exists) throw ApiException.notFound('No such instance');
    const dailyCredits = command.dailyCredits ?? state.dailyCredits;
    const timezone = command.timezone ?? state.timezone;
    if (dailyCredits === state.dailyCredits && timezone === state.timezone) return [];
    return [pendingEvent(InstancePlanChanged, { dailyCredits, timezone })];
  },
};
