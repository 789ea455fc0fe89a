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
}

export type RunCommand =
  | { kind: 'start'; processId: string; flowId: string; startedBy: string }
  | { kind: 'emit'; event: string; payload: Record<string, unknown> }
  | { kind: 'finish'; status: 'success' | 'failed' | 'aborted'; reason?: string; durationMs: number };

/** The run was already finished (by a timeout, a completion or a recovery) when another outcome arrived. */
export class RunAlreadyFinished extends Error {
  constructor(readonly status: string) {
    super(`The run has already finished (${status})`);
    this.name = 'RunAlreadyFinished';
  }
}

/** One run of a flow: started once, any number of emits while running, finished once. */
export const flowRunDecider: Decider<RunState, RunCommand> = {
  initialState: () => ({ status: 'none' }),

  evolve(state: RunState, event: EventEnvelope): RunState {
    switch (event.type) {
      case FlowRunStarted.type:
        return { status: 'running', ...(event.data as { processId: string; flowId: string }) };
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
