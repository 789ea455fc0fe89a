import {
  ErrorCode,
  UserDeactivated,
  UserDowngraded,
  UserReactivated,
  UserRegistered,
  UserRolesChanged,
  isAdminOfAnyModule,
  type ModuleRoles,
} from '@tollgate/contracts';
import { pendingEvent, type Decider, type PendingEvent } from '@tollgate/event-sourcing';
import { ApiException } from '@tollgate/service-runtime';

export interface UserState {
  registered: boolean;
  roles: ModuleRoles;
  active: boolean;
}

export type UserCommand =
  | { type: 'register'; userId: string; email: string; name: string; roles: ModuleRoles }
  | { type: 'changeRoles'; userId: string; roles: ModuleRoles }
  | { type: 'deactivate'; userId: string }
  | { type: 'reactivate'; userId: string };

const sameRoles = (a: ModuleRoles, b: ModuleRoles) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([m, r]) => b[m] === r);

export const userDecider: Decider<UserState, UserCommand> = {
  initialState: () => ({ registered: false, roles: {}, active: false }),
  evolve: (state, event) => {
    const data = event.data as { roles?: ModuleRoles };
    switch (event.type) {
      case UserRegistered.type:
        return { registered: true, roles: data.roles ?? {}, active: true };
      case UserRolesChanged.type:
        return { ...state, roles: data.roles ?? {} };
      case UserDeactivated.type:
        return { ...state, active: false };
      case UserReactivated.type:
        return { ...state, active: true };
      default:
        return state;
    }
  },
  decide: (command, state) => {
    if (command.type === 'register') {
      if (state.registered) throw new ApiException(ErrorCode.Conflict, 'User already exists');
      const { userId, email, name, roles } = command;
      return [pendingEvent(UserRegistered, { userId, email, name, roles })];
    }
    if (!state.registered) throw ApiException.notFound('No such user');
    const { userId } = command;
    switch (command.type) {
      case 'changeRoles': {
        if (sameRoles(state.roles, command.roles)) return [];
        const events: PendingEvent[] = [pendingEvent(UserRolesChanged, { userId, roles: command.roles })];
        if (isAdminOfAnyModule(state.roles) && !isAdminOfAnyModule(command.roles)) {
          events.push(pendingEvent(UserDowngraded, { userId }));
        }
        return events;
      }
      case 'deactivate':
        return state.active ? [pendingEvent(UserDeactivated, { userId })] : [];
      case 'reactivate':
        return state.active ? [] : [pendingEvent(UserReactivated, { userId })];
    }
  },
};
