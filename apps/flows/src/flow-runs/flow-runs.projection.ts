import type { EntityManager } from 'typeorm';
import { FlowRunFailed, FlowRunStarted, FlowRunSucceeded, type EventEnvelope } from '@tollgate/contracts';
import { queryPrepared, type Projection } from '@tollgate/event-sourcing';

/** flow_runs: who started each run, when, and how it ended; rebuilt from the run events. */
export const flowRunsProjection: Projection = {
  name: 'flow-runs',
  tables: ['flow_runs'],
  async apply(em: EntityManager, event: EventEnvelope): Promise<void> {
    const d = event.data as { processId: string; flowId: string; startedBy?: string; status?: string; reason?: string; durationMs?: number };
    switch (event.type) {
      case FlowRunStarted.type:
        await queryPrepared(
          em,
          `INSERT INTO flow_runs (process_id, instance_id, flow_id, started_by, status, started_at)
           VALUES ($1, $2, $3, $4, 'running', $5) ON CONFLICT (process_id) DO NOTHING`,
          [event.aggregateId, event.instanceId, d.flowId, d.startedBy, event.occurredAt],
        );
        return;
      case FlowRunSucceeded.type:
      case FlowRunFailed.type:
        await queryPrepared(
          em,
          `UPDATE flow_runs SET status = $2, finished_at = $3, duration_ms = $4, reason = $5 WHERE process_id = $1`,
          [event.aggregateId, event.type === FlowRunSucceeded.type ? 'success' : d.status, event.occurredAt, d.durationMs, d.reason ?? null],
        );
        return;
    }
  },
};
