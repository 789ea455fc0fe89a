import { Controller, Get, HttpCode, Query } from '@nestjs/common';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { ApiException } from '@tollgate/service-runtime';
import { TriggerAccess } from './trigger-access';
import { once } from './trigger.http.controller';

/** The trigger's target, as its URL names it (a repeated parameter arrives as an array). */
interface AccessQuery {
  app?: string | string[];
  flow?: string | string[];
  instance?: string | string[];
  token?: string | string[];
}

/**
 * Whether the caller may run a flow, asked without running it: the gateway asks for an anonymous
 * caller before it reads a large body, which it would otherwise parse for a flow that takes none
 * from them. Not routed by the gateway to anyone else.
 */
@Controller('internal')
export class TriggerAccessHttpController {
  constructor(private readonly access: TriggerAccess) {}

  /** 204 when the trigger would run the flow; else the trigger's own refusal (401, 404, 409). */
  @Get('trigger-access')
  @HttpCode(204)
  async check(@CurrentPrincipal() principal: Principal, @Query() query: AccessQuery): Promise<void> {
    const name = once(query, 'flow');
    if (!name) throw ApiException.validation([{ field: 'flow', message: 'flow is required' }]);
    await this.access.resolve(principal, { app: once(query, 'app'), name, instance: once(query, 'instance'), token: once(query, 'token') });
  }
}
