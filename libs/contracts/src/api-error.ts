/** Error codes of the public API (API.md). Clients switch on these; never rename one. */
export enum ErrorCode {
  ValidationFailed = 'validation_failed',
  InvalidToken = 'invalid_token',
  Forbidden = 'forbidden',
  NotAdmin = 'not_admin',
  NotFound = 'not_found',
  /** HEAD on a route that charges credits or starts a flow run (`Allow` says what it takes). */
  MethodNotAllowed = 'method_not_allowed',
  Conflict = 'conflict',
  KeyExists = 'key_exists',
  /** An Idempotency-Key sent again within its day with another request body. */
  IdempotencyKeyReused = 'idempotency_key_reused',
  PayloadTooLarge = 'payload_too_large',
  CreditsExhausted = 'credits_exhausted',
  RateLimited = 'rate_limited',
  Timeout = 'timeout',
  Unavailable = 'unavailable',
  Internal = 'internal_error',
  /** A flow's own logic failed (a step threw, an `error` step, a refused or failed `http` call): not the platform. */
  FlowFailed = 'flow_failed',
}

export interface FieldError {
  field: string;
  message: string;
  /** GraphQL requests: where in the document the error is, as GraphQL errors say it (1-based). */
  locations?: { line: number; column: number }[];
}

/** The body of every error response, whatever failed. */
export interface ApiErrorBody {
  status: 'error';
  code: string;
  message: string;
  requestId: string;
  errors?: FieldError[];
  /** Operator endpoints only (readiness): the state of each dependency. */
  details?: Record<string, unknown>;
}

export function statusForCode(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.ValidationFailed:
      return 400;
    case ErrorCode.InvalidToken:
      return 401;
    case ErrorCode.Forbidden:
    case ErrorCode.NotAdmin:
      return 403;
    case ErrorCode.NotFound:
      return 404;
    case ErrorCode.MethodNotAllowed:
      return 405;
    case ErrorCode.Conflict:
    case ErrorCode.KeyExists:
    case ErrorCode.IdempotencyKeyReused:
      return 409;
    case ErrorCode.PayloadTooLarge:
      return 413;
    case ErrorCode.CreditsExhausted:
    case ErrorCode.RateLimited:
      return 429;
    case ErrorCode.Timeout:
      return 504;
    case ErrorCode.Unavailable:
      return 503;
    case ErrorCode.Internal:
    case ErrorCode.FlowFailed:
      return 500;
  }
}
