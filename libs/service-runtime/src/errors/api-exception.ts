import { ErrorCode, statusForCode, type FieldError } from '@tollgate/contracts';

/** An error the client is meant to see, in the documented shape. */
export class ApiException extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: { errors?: FieldError[]; headers?: Record<string, string>; status?: number } = {},
  ) {
    super(message);
    this.name = 'ApiException';
    this.status = options.status ?? statusForCode(code);
  }

  static notFound(what = 'Not found'): ApiException {
    return new ApiException(ErrorCode.NotFound, what);
  }

  static validation(errors: FieldError[], message = 'Validation failed'): ApiException {
    return new ApiException(ErrorCode.ValidationFailed, message, { errors });
  }

  static forbidden(message = 'Forbidden'): ApiException {
    return new ApiException(ErrorCode.Forbidden, message);
  }

  /** A caller whose credential lacks every scope a route takes. */
  static needsScopes(scopes: readonly string[]): ApiException {
    return ApiException.forbidden(`This needs one of the scopes: ${scopes.join(', ')}`);
  }

  /** 429: the caller may try again in `retryAfterSeconds` (at least 1), which `Retry-After` says. */
  static rateLimited(message: string, retryAfterSeconds: number): ApiException {
    return new ApiException(ErrorCode.RateLimited, message, { headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) } });
  }

  static invalidToken(message = 'Invalid token'): ApiException {
    return new ApiException(ErrorCode.InvalidToken, message);
  }
}
