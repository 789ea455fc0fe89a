/**
 * The internal debit contract between the gateway and the credits service (`POST /debits`,
 * `POST /debits/batch`): what the gateway asks per metered request, and what credits answers.
 */
export interface DebitRequest {
  /** Idempotency key of the charge. A debit repeated under it charges once. */
  requestId: string;
  /**
   * The request id the client saw (X-Request-Id), when the charge's own id differs from it: the
   * events' correlation id, by which subscribers find the request.
   */
  correlationId?: string;
  cost: number;
  entities: string[];
  keyId?: string;
  userId?: string;
}

/** `voided`: the request id was closed by a final refund; nothing is charged under it again. */
export type DebitOutcome = 'charged' | 'duplicate' | 'exhausted' | 'voided';

export interface DebitResult {
  requestId: string;
  outcome: DebitOutcome;
  cost: number;
  remaining: number;
  /** Exhausted only: seconds until the pool resets. */
  retryAfterSeconds?: number;
}
