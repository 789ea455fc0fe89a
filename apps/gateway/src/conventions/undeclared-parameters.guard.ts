import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiException } from '@tollgate/service-runtime';
import { CREDENTIAL_PARAMETERS as CREDENTIAL_PARAMETER_NAMES } from '../auth/credential-transports';

const ANY_QUERY_PARAMETERS = 'tollgate:any-query-parameters';
/**
 * Credentials may come in the query string of any route (API.md); they are not parameters. The
 * credential guard refuses one given more than once, on every route that takes credentials.
 */
const CREDENTIAL_PARAMETERS = new Set<string>(CREDENTIAL_PARAMETER_NAMES);

/** A route whose query string is data (a flow trigger's): any parameter is accepted and passed on. */
export const AnyQueryParameters = () => SetMetadata(ANY_QUERY_PARAMETERS, true);

/** What a route does with its query string. */
type QueryUse = 'none' | 'declared' | 'any';

/**
 * API.md: unknown parameters are a 400. Routes with a query DTO have their parameters checked by
 * validation; this refuses any parameter sent to a route that declares none (`GET /api/v1/keys?status=x`
 * would otherwise answer as if it filtered), and a declared parameter given more than once
 * (`limit=10&limit=20`): validation would see a list and answer that the limit is not a whole
 * number, or that `sort=alpha&sort=alpha` is not `alpha`. A guard, not an interceptor: it costs a
 * map look-up on the hot path, not a stream of its own.
 */
@Injectable()
export class UndeclaredParametersGuard implements CanActivate {
  private readonly queryUse = new WeakMap<object, QueryUse>();

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const use = this.queryUseOf(context);
    if (use === 'any') return true;
    const query = context.switchToHttp().getRequest<FastifyRequest>().query as Record<string, unknown> | undefined;
    const names = query && typeof query === 'object' ? Object.keys(query).filter((name) => !CREDENTIAL_PARAMETERS.has(name)) : [];
    if (use === 'none') {
      if (names.length) throw ApiException.validation(names.map((name) => ({ field: name, message: `unknown parameter ${name}` })));
      return true;
    }
    const repeated = names.filter((name) => Array.isArray(query![name]));
    if (repeated.length) throw ApiException.validation(repeated.map((name) => ({ field: name, message: `${name} must be given once` })));
    return true;
  }

  private queryUseOf(context: ExecutionContext): QueryUse {
    const handler = context.getHandler();
    let use = this.queryUse.get(handler);
    if (use === undefined) {
      const args: Record<string, unknown> = Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {};
      use =
        this.reflector.getAllAndOverride<boolean>(ANY_QUERY_PARAMETERS, [handler, context.getClass()]) === true
          ? 'any'
          : Object.keys(args).some((key) => key.split(':')[0] === String(RouteParamtypes.QUERY))
            ? 'declared'
            : 'none';
      this.queryUse.set(handler, use);
    }
    return use;
  }
}
