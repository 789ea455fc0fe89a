import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import type { KeyScope } from '@tollgate/contracts';
import { ApiErrors, CredentialOptional } from '../openapi/api-errors';
import { CredentialGuard } from './credential.guard';

export interface AuthOptions {
  /** The caller needs at least one of these scopes (403 `forbidden` otherwise). */
  scopes?: KeyScope[];
  /** Console sessions allowed; default true. */
  sessions?: boolean;
  /**
   * A console session may come as the URL's `access_token` (an EventSource sends no headers);
   * default false. Elsewhere a session in a URL is refused: URLs end up in proxies' access logs,
   * and a session acts as its user on every route.
   */
  sessionInUrl?: boolean;
  /** The operator token allowed; default false. */
  operator?: boolean;
  /** Only the operator token (implies `operator`): anything else is the same 401 as a bad credential; default false. */
  operatorOnly?: boolean;
  /** No credential gives an `anonymous` principal with instanceId '' instead of 401; default false. */
  anonymous?: boolean;
  /**
   * A 401 also offers Basic, for callers that send credentials only when challenged (a key as the
   * user name or password, see credential-transports); default false. Never on routes a console
   * calls: a browser answers a Basic challenge by prompting for a password.
   */
  basicChallenge?: boolean;
}

export const AUTH_OPTIONS = 'tollgate:auth-options';

/**
 * Authenticates the request with any documented transport (X-Api-Key, Bearer, `access_token` /
 * `key` query parameters, `access_token` body field). Afterwards `request.principal` holds the
 * caller; read it with `@CurrentPrincipal()`.
 */
export function Authenticated(options: AuthOptions = {}): MethodDecorator & ClassDecorator {
  // The operator token travels as a Bearer token only, and anyone else is the same 401 (never a 403).
  if (options.operatorOnly) return applyDecorators(SetMetadata(AUTH_OPTIONS, options), UseGuards(CredentialGuard), ApiBearerAuth(), ApiErrors(401));
  return applyDecorators(
    SetMetadata(AUTH_OPTIONS, options),
    UseGuards(CredentialGuard),
    ApiSecurity('apiKey'),
    ApiBearerAuth(),
    ApiSecurity('accessToken'),
    ApiSecurity('keyParameter'),
    ApiSecurity('basic'),
    // Anonymous-capable routes too: a credential that is sent must be a valid one.
    ApiErrors(401, 403),
    ...(options.anonymous ? [CredentialOptional()] : []),
  );
}
