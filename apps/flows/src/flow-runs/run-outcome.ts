import type { RunFailure, RunResult } from './run-message';

export type RunOutcome = { status: 'success'; result: RunResult } | { status: 'failed' | 'aborted'; failure: RunFailure };

/** Why a run's signal was aborted; only a stop of this process leaves the run to be resumed elsewhere. */
export class AbortReason extends Error {
  constructor(
    readonly kind: 'timeout' | 'client-gone' | 'stopping',
    message: string,
  ) {
    super(message);
    this.name = 'AbortReason';
  }
}
