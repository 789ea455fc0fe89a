import {
  FlowEmitted,
  FlowRunFailed,
  FlowRunStarted,
  FlowRunSucceeded,
  type EventEnvelope,
} from '@tollgate/contracts';
import { pendingEvent, type Decider, type PendingEvent } from '@tollgate/event-sourcing';

export type RunStatus = 'running' | 'success' | 'failed' | 'aborted';

export interface RunState {
  status: RunStatus | 'none';
  processId?: string;
  flowId?: string;
  /** FlowEmitted events the run has published, over all its attempts. */
  emitted: number;
}

export type RunCommand =
  | { kind: 'start'; processId: string; flowId: string; startedBy: string }
  /**
   * `ordinal`: this is the n-th emit step the current attempt reached. Steps run in order without
   * branches, so a resumed run reaches the same emits again: those an earlier attempt published
   * are not published twice.
   */
  | { kind: 'emit'; event: string; payload: Record<string, unknown>; ordinal: number }
  | { kind: 'finish'; status: 'success' | 'failed' | 'aborted'; reason?: string; durationMs: number };

/** The run was already finished (by a timeout, a completion or a recovery) when another outcome arrived. */
export class RunAlreadyFinished extends Error {
  constructor(readonly status: string) {
    super(`The run has already finished (${status})`);
    this.name = 'RunAlreadyFinished';
  }
}

/** One run of a flow: started once, each emit step published once while running, finished once. */
export const flowRunDecider: Decider<RunState, RunCommand> = {
  initialState: () => ({ status: 'none', emitted: 0 }),

  evolve(state: RunState, event: EventEnvelope): RunState {
    switch (event.type) {
      case FlowRunStarted.type:
        return { ...state, status: 'running', ...(event.data as { processId: string; flowId: string }) };
      case FlowEmitted.type:
        return { ...state, emitted: state.emitted + 1 };
      case FlowRunSucceeded.type:
        return { ...state, status: 'success' };
      case FlowRunFailed.type:
        return { ...state, status: (event.data as { status: 'failed' | 'aborted' }).status };
      default:
        return state;
    }
  },

  decide(command: RunCommand, state: RunState): PendingEvent[] {
    if (command.kind === 'start') {
      if (state.status !== 'none') return [];
      return [pendingEvent(FlowRunStarted, { processId: command.processId, flowId: command.flowId, startedBy: command.startedBy })];
    }
    if (state.status !== 'running') throw new RunAlreadyFinished(state.status);
    const processId = state.processId!;
    if (command.kind === 'emit') {
      if (command.ordinal <= state.emitted) return [];
      return [pendingEvent(FlowEmitted, { processId, flowId: state.flowId!, event: command.event, payload: command.payload })];
    }
    const durationMs = Math.max(0, Math.round(command.durationMs));
    if (command.status === 'success') return [pendingEvent(FlowRunSucceeded, { processId, flowId: state.flowId!, durationMs })];
    return [
      pendingEvent(FlowRunFailed, {
        processId,
        flowId: state.flowId!,
        status: command.status,
        reason: command.reason ?? command.status,
        durationMs,
      }),
    ];
  },
};
