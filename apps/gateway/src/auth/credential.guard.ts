import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { parseCredential, type Principal } from '@tollgate/auth';
import { ApiException, BEARER_CHALLENGE, challengeWith } from '@tollgate/service-runtime';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { AUTH_OPTIONS, type AuthOptions } from './authenticated.decorator';
import { isBasicKeyFromAnotherSite, presentedCredentials, repeatedCredentialParameters, TRANSPORT_STRATEGIES } from './credential-transports';
import { INVALID, MISSING, type AuthRequest } from './strategies/transport.strategy';

export const ANONYMOUS: Principal = { instanceId: '', kind: 'anonymous', scopes: [] };
/** What routes that take callers' own Basic credentials offer beside Bearer (`basicChallenge`). */
export const BASIC_CHALLENGE = 'Basic realm="tollgate", charset="UTF-8"';

class PassportCredentialGuard extends AuthGuard(TRANSPORT_STRATEGIES) {
  override getAuthenticateOptions() {
    return { session: false, property: 'principal' };
  }

  override handleRequest<T>(err: unknown, user: T, info: unknown, context: ExecutionContext): T {
    if (err) throw err;
    if (user) return user;
    const challenges = Array.isArray(info) ? info : [info];
    const request = context.switchToHttp().getRequest<AuthRequest>();
    if (challenges.every((c) => c === MISSING) && request.tollgateAuth?.anonymous) return { ...ANONYMOUS } as T;
    throw ApiException.invalidToken();
  }
}

const presentedInvalid = (request: AuthRequest & { authInfo?: unknown }) =>
  (Array.isArray(request.authInfo) ? request.authInfo : [request.authInfo]).includes(INVALID);

/**
 * The one credential a request presents (before its body is parsed, only the headers' and the
 * URL's are found), after the refusals every authentication starts with:
 * - a credential parameter given twice is a malformed request, as any other repeated parameter is
 *   (UndeclaredParametersGuard), not a missing credential: the caller learns what to fix, and no
 *   failure is counted against it;
 * - an address past its failures is refused (429);
 * - two different credentials (a header and a query parameter that disagree, say) are refused like
 *   any bad credential: which one acts and pays would depend on the order transports are tried in,
 *   and a revoked key would pass beside a valid one.
 */
export async function singlePresentedCredential(request: FastifyRequest, limiter: AuthFailureLimiter): Promise<string | undefined> {
  const repeated = repeatedCredentialParameters(request);
  if (repeated.length) throw ApiException.validation(repeated.map((name) => ({ field: name, message: `${name} must be given once` })));
  await limiter.assertAllowed(request.ip);
  const presented = [...presentedCredentials(request)];
  if (presented.length > 1) throw ApiException.invalidToken();
  return presented[0];
}

/**
 * Credentials are not parameters: DTOs that forbid unknown fields never see them. A body's
 * `access_token` is one only when it holds a key (see bodyCredential): any other is the caller's
 * data, a webhook payload's own token say, and reaches the flow as sent; but never one shaped like
 * a Tollgate key or session, even where it authenticates nothing (given twice, in a list): that
 * would be kept with the run and could be sent on by its steps.
 */
function stripCredentials(request: AuthRequest): void {
  // A key that authenticated (see bodyCredential) is one such value.
  const body = request.body as Record<string, unknown> | undefined;
  if (body && typeof body === 'object' && holdsCredential(body.access_token)) delete body.access_token;
  const query = request.query;
  if (query && typeof query === 'object' && !Array.isArray(query)) {
    const record = query as Record<string, unknown>;
    delete record.access_token;
    delete record.key;
  }
}

function holdsCredential(value: unknown): boolean {
  return (Array.isArray(value) ? value : [value]).some((v) => typeof v === 'string' && parseCredential(v) !== undefined);
}

/**
 * Every failure answers the same 401; addresses that keep failing get 429. Route options
 * (`@Authenticated({...})`) decide which principals may pass.
 */
@Injectable()
export class CredentialGuard implements CanActivate {
  private readonly passport = new PassportCredentialGuard();

  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: AuthFailureLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const options =
      this.reflector.getAllAndOverride<AuthOptions>(AUTH_OPTIONS, [context.getHandler(), context.getClass()]) ?? {};
    const request = context.switchToHttp().getRequest<AuthRequest>();
    request.tollgateAuth = options;
    if (options.basicChallenge) challengeWith(request, [BASIC_CHALLENGE, BEARER_CHALLENGE]);
    await singlePresentedCredential(request, this.limiter);
    if (isBasicKeyFromAnotherSite(request)) {
      throw ApiException.forbidden('A key a browser keeps from a Basic sign-in is not taken on a request another site’s page sent');
    }
    try {
      await this.passport.canActivate(context);
    } catch (error) {
      if (error instanceof ApiException && error.status === 401 && presentedInvalid(request)) {
        await this.limiter.recordFailure(request.ip);
      }
      throw error;
    }
    const principal = request.principal as Principal;
    if (principal.kind === 'session' && options.sessions === false) throw ApiException.invalidToken();
    // Before the body is validated: what an operator route takes is none of a key's business.
    if (options.operatorOnly && principal.kind !== 'operator') throw ApiException.invalidToken();
    if (options.scopes?.length && principal.kind !== 'anonymous' && !options.scopes.some((s) => principal.scopes.includes(s))) {
      throw ApiException.needsScopes(options.scopes);
    }
    if (!principal.requestId) request.principal = { ...principal, requestId: String(request.id) };
    stripCredentials(request);
    return true;
  }
}
