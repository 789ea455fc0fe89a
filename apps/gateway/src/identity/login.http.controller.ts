import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '@tollgate/auth';
import { ApiException } from '@tollgate/service-runtime';
import { AuthFailureLimiter } from '../auth/auth-failure-limiter';
import { KeysForwarder } from './keys-forwarder';
import { LoginDto, TokenDto } from './identity.dto';

const LOGIN: Principal = { instanceId: '', kind: 'system', scopes: [] };

@ApiTags('authentication')
@Controller('api/v1/auth')
export class LoginHttpController {
  constructor(
    private readonly keys: KeysForwarder,
    private readonly limiter: AuthFailureLimiter,
  ) {}

  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Console login: a session token to send as Authorization: Bearer' })
  @ApiOkResponse({ type: TokenDto })
  async login(@Req() request: FastifyRequest, @Body() dto: LoginDto): Promise<TokenDto> {
    await this.limiter.assertAllowed(request.ip);
    try {
      return await this.keys.call<TokenDto>(request, { ...LOGIN, instanceId: dto.instance }, 'POST', '/sessions', dto);
    } catch (error) {
      if (error instanceof ApiException && error.status === 401) await this.limiter.recordFailure(request.ip);
      throw error;
    }
  }
}
