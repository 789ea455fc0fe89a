import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { ApiException } from '@tollgate/service-runtime';
import { AuthFailureLimiter, clientOf } from '../auth/auth-failure-limiter';
import { Authenticated } from '../auth/authenticated.decorator';
import { ApiErrors } from '../openapi/api-errors';
import { CredentialVerifier } from '../auth/credential-verifier';
import { CredentialWatch } from '../auth/credential-watch';
import { presentedCredential } from '../auth/strategies/transport.strategy';
import { KeysForwarder } from './keys-forwarder';
import { CallerDto, LoginDto, TokenDto } from './identity.dto';

const LOGIN: Principal = { instanceId: '', kind: 'system', scopes: [] };

@ApiTags('authentication')
@Controller('api/v1/auth')
export class LoginHttpController {
  constructor(
    private readonly keys: KeysForwarder,
    private readonly limiter: AuthFailureLimiter,
    private readonly verifier: CredentialVerifier,
    private readonly watch: CredentialWatch,
  ) {}

  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Console login: a session token to send as Authorization: Bearer' })
  @ApiOkResponse({ type: TokenDto })
  @ApiErrors(401, 429)
  async login(@Req() request: FastifyRequest, @Body() dto: LoginDto): Promise<TokenDto> {
    await this.limiter.assertAllowed(request.ip);
    try {
      // Keys counts the account's failed logins from this client (429 past its limit), for every gateway alike.
      return await this.keys.call<TokenDto>(request, { ...LOGIN, instanceId: dto.instance }, 'POST', '/sessions', { ...dto, client: clientOf(request.ip) });
    } catch (error) {
      if (error instanceof ApiException && error.status === 401) await this.limiter.recordFailure(request.ip);
      throw error;
    }
  }

  @Post('logout')
  @HttpCode(204)
  @Authenticated()
  @ApiOperation({ summary: 'Console sign-out: ends the session this request is made with; it is refused from then on' })
  @ApiNoContentResponse()
  async logout(@Req() request: FastifyRequest, @CurrentPrincipal() principal: Principal): Promise<void> {
    const credential = presentedCredential(request);
    if (principal.kind !== 'session' || !credential) {
      throw ApiException.forbidden('Only a console session signs out; an API key is ended with DELETE /api/v1/keys/:id');
    }
    await this.keys.call(request, { ...LOGIN, instanceId: principal.instanceId }, 'POST', '/sessions/end', { credential });
    this.verifier.forget(credential);
    // Its open answers (live balances) too, not only at the next recheck a TTL later.
    this.watch.credentialEnded(credential);
  }

  @Get('me')
  @Authenticated()
  @ApiOperation({ summary: 'Who this key or session acts as: instance, user, scopes and module roles (free)' })
  @ApiOkResponse({ type: CallerDto })
  me(@CurrentPrincipal() p: Principal): CallerDto {
    return {
      instanceId: p.instanceId,
      kind: p.kind,
      ...(p.userId ? { userId: p.userId } : {}),
      ...(p.keyId ? { keyId: p.keyId } : {}),
      scopes: p.scopes,
      ...(p.roles ? { roles: p.roles as CallerDto['roles'] } : {}),
      ...(p.entities ? { entities: p.entities } : {}),
    };
  }
}
