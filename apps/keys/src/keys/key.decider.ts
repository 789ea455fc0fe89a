import {
  ErrorCode,
  KeyDeactivated,
  KeyIssued,
  KeyRevoked,
  type EventData,
  type KeyDeactivationReason,
} from '@tollgate/contracts';
import { pendingEvent, type Decider } from '@tollgate/event-sourcing';
import { ApiException } from '@tollgate/service-runtime';

export type KeyStatus = 'none' | 'active' | 'deactivated' | 'revoked';

export interface KeyState {
  status: KeyStatus;
}

export type KeyCommand =
  | { type: 'issue'; key: EventData<typeof KeyIssued> }
  | { type: 'revoke'; keyId: string }
  | { type: 'deactivate'; keyId: string; reason: KeyDeactivationReason };

/** A key is issued once, may be deactivated (by its owner's fate or expiry) and revoked; nothing brings it back. */
export const keyDecider: Decider<KeyState, KeyCommand> = {
  initialState: () => ({ status: 'none' }),
  evolve: (state, event) => {
    switch (event.type) {
      case KeyIssued.type:
        return { status: 'active' };
      case KeyDeactivated.type:
        return { status: 'deactivated' };
      case KeyRevoked.type:
        return { status: 'revoked' };
      default:
        return state;
    }
  },
  decide: (command, state) => {
    if (command.type === 'issue') {
      if (state.status !== 'none') throw new ApiException(ErrorCode.Conflict, 'Key already issued');
      return [pendingEvent(KeyIssued, command.key)];
    }
    if (state.status === 'none') throw ApiException.notFound('No such key');
    if (command.type === 'revoke') {
      return state.status === 'revoked' ? [] : [pendingEvent(KeyRevoked, { keyId: command.keyId })];
    }
    return state.status === 'active' ? [pendingEvent(KeyDeactivated, { keyId: command.keyId, reason: command.reason })] : [];
  },
};
