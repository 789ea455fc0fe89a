import type { FieldError } from '@tollgate/contracts';

export interface RunMessage {
  at: string;
  level: 'info' | 'debug' | 'error';
  text: string;
  step?: string;
  detail?: unknown;
}

/** What a run produced: named record lists and, when a `response` step ran, the raw answer. */
export interface RunResult {
  data: Record<string, unknown[]>;
  response?: { statusCode: number; headers: Record<string, string>; contentType?: string; body?: unknown };
}

/** Why a run did not succeed, in the API's error terms. */
export interface RunFailure {
  status: 'failed' | 'aborted';
  httpStatus: number;
  code: string;
  message: string;
  /** An empty credit pool: seconds until it is refilled, for the caller's Retry-After. */
  retryAfterSeconds?: number;
  /** A `validation_failed` outcome: the field errors of its answer. */
  errors?: FieldError[];
}

export interface FlowInput {
  body: unknown;
  headers: Record<string, string>;
  contentType: string;
  url: string;
}
