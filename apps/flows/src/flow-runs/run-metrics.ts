import { Counter, Histogram } from 'prom-client';
import { ErrorCode } from '@tollgate/contracts';
import { metricsRegistry } from '@tollgate/service-runtime';
import type { RunOutcome } from './run-outcome';

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

const runsFinished = new Counter({
  name: 'tollgate_flow_runs_total',
  help: 'Flow runs finished, by status (success, failed, aborted) and error code (flow_failed, timeout, credits_exhausted, internal_error...; empty on success)',
  labelNames: ['status', 'code'] as const,
  registers: [metricsRegistry],
});

const runDuration = new Histogram({
  name: 'tollgate_flow_run_duration_seconds',
  help: 'Time from a flow run starting to its outcome being recorded, by status',
  labelNames: ['status'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [metricsRegistry],
});

export function countRunFinished(outcome: RunOutcome, durationMs: number): void {
  const code = outcome.status === 'success' ? '' : KNOWN_CODES.has(outcome.failure.code) ? outcome.failure.code : 'other';
  runsFinished.inc({ status: outcome.status, code });
  runDuration.observe({ status: outcome.status }, durationMs / 1000);
}
