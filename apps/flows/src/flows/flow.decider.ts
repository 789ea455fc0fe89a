import { FlowDefined, FlowDeleted, type EventEnvelope } from '@tollgate/contracts';
import { pendingEvent, type Decider, type PendingEvent } from '@tollgate/event-sourcing';
import { ApiException } from '@tollgate/service-runtime';
import type { FlowSpec } from './flow-definition';

export interface FlowState {
  exists: boolean;
  app?: string;
  name?: string;
}

export type FlowCommand = { kind: 'define'; flowId: string; spec: FlowSpec; mustExist: boolean } | { kind: 'delete'; flowId: string };

/** A flow's life: defined (created or redefined) and deleted. Names are checked by the read model. */
export const flowDecider: Decider<FlowState, FlowCommand> = {
  initialState: () => ({ exists: false }),

  evolve(state: FlowState, event: EventEnvelope): FlowState {
    if (event.type === FlowDefined.type) {
      const data = event.data as { app: string; name: string };
      return { exists: true, app: data.app, name: data.name };
    }
    if (event.type === FlowDeleted.type) return { exists: false };
    return state;
  },

  decide(command: FlowCommand, state: FlowState): PendingEvent[] {
    if (command.kind === 'delete') {
      if (!state.exists) throw ApiException.notFound('No such flow');
      return [pendingEvent(FlowDeleted, { flowId: command.flowId, app: state.app!, name: state.name! })];
    }
    if (command.mustExist && !state.exists) throw ApiException.notFound('No such flow');
    const { spec } = command;
    return [
      pendingEvent(FlowDefined, {
        flowId: command.flowId,
        app: spec.app,
        name: spec.name,
        mode: spec.mode,
        description: spec.description,
        ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
        allowAnonymous: spec.allowAnonymous,
        groups: spec.groups,
        steps: spec.steps as Record<string, unknown>[],
      }),
    ];
  },
};
