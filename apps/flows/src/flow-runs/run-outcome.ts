import type { CreditsUsed } from './run-credits';
import type { RunFailure, RunResult } from './run-message';

/** How a run ended, and what it cost the caller when its steps were charged credits. */
export type RunOutcome = ({ status: 'success'; result: RunResult } | { status: 'failed' | 'aborted'; failure: RunFailure }) & { credits?: CreditsUsed };

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
