import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiException, PUBLIC_ROUTE } from '@tollgate/service-runtime';
import { PRINCIPAL_HEADER, type Principal } from './principal';
import { PrincipalTokens } from './principal-token';

type WithPrincipal = FastifyRequest & { principal?: Principal };

/**
 * Services' global guard: every route needs a principal signed by the gateway. A request that
 * reaches a service port directly, with forged or stale identity, gets the same 401 as a bad key.
 */
@Injectable()
export class PrincipalGuard implements CanActivate {
  constructor(
    private readonly tokens: PrincipalTokens,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<WithPrincipal>();
    const header = request.headers[PRINCIPAL_HEADER];
    const principal = await this.tokens.verify(typeof header === 'string' ? header : undefined);
    if (!principal) throw ApiException.invalidToken();
    // The token names the caller; the request is the one x-request-id names (request.id).
    request.principal = { ...principal, requestId: String(request.id) };
    return true;
  }
}

/** The verified caller, in a controller parameter. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<WithPrincipal>().principal;
  if (!principal) throw ApiException.invalidToken();
  return principal;
});
