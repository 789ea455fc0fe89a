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
  /** The emit steps (by position) whose FlowEmitted the run has published, over all its attempts. */
  emittedSteps: number[];
  /** FlowEmitted events published without a step (before events named it): counted only. */
  emittedUnplaced: number;
}

export type RunCommand =
  | { kind: 'start'; processId: string; flowId: string; startedBy: string }
  /**
   * `step`: the emit step's position in the definition; a resumed run reaches the emit steps
   * again, and those an earlier attempt published are not published twice. Which ones it reaches
   * may differ (a `when` may hold this time, not the last), so they are known by position.
   * `ordinal` (the n-th emit step this attempt reached) only places events published before
   * events named their step.
   */
  | { kind: 'emit'; event: string; payload: Record<string, unknown>; step: number; ordinal: number }
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
  initialState: () => ({ status: 'none', emittedSteps: [], emittedUnplaced: 0 }),

  evolve(state: RunState, event: EventEnvelope): RunState {
    switch (event.type) {
      case FlowRunStarted.type:
        return { ...state, status: 'running', ...(event.data as { processId: string; flowId: string }) };
      case FlowEmitted.type: {
        const step = (event.data as { step?: number }).step;
        return step === undefined ? { ...state, emittedUnplaced: state.emittedUnplaced + 1 } : { ...state, emittedSteps: [...state.emittedSteps, step] };
      }
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
      if (state.emittedSteps.includes(command.step) || command.ordinal <= state.emittedUnplaced) return [];
      return [pendingEvent(FlowEmitted, { processId, flowId: state.flowId!, event: command.event, payload: command.payload, step: command.step })];
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
