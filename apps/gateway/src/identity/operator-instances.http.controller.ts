import { Body, Controller, Param, Patch, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { Authenticated } from '../auth/authenticated.decorator';
import { ServiceClients } from '../downstream/service-clients';
import { ApiConflict } from '../openapi/api-errors';
import { ChangePlanDto, CreateInstanceDto, CreateUserDto, InstanceDto, UserDto } from './identity.dto';
import { KeysForwarder } from './keys-forwarder';

@ApiTags('operator')
@Controller('api/v1/operator/instances')
@Authenticated({ operatorOnly: true })
export class OperatorInstancesHttpController {
  constructor(
    private readonly keys: KeysForwarder,
    private readonly clients: ServiceClients,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create an instance and its credit account' })
  @ApiCreatedResponse({ type: InstanceDto })
  @ApiConflict('an instance with this id exists')
  async create(@CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Body() dto: CreateInstanceDto): Promise<InstanceDto> {
    const instance = await this.keys.call<InstanceDto>(request, principal, 'POST', '/instances', dto);
    await this.syncCreditAccount(request, instance);
    return instance;
  }

  @Patch(':id')
  @ApiOperation({ summary: "Change an instance's plan (daily credits, time zone); credits records PlanChanged" })
  @ApiOkResponse({ type: InstanceDto })
  async changePlan(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: ChangePlanDto,
  ): Promise<InstanceDto> {
    const instance = await this.keys.call<InstanceDto>(request, principal, 'PATCH', `/instances/${encodeURIComponent(id)}`, dto);
    // Also when nothing changed: a PATCH repairs an account a failed creation left behind.
    await this.syncCreditAccount(request, instance);
    return instance;
  }

  @Post(':id/users')
  @ApiOperation({ summary: "Create a user in an instance (bootstraps the instance's first admin)" })
  @ApiCreatedResponse({ type: UserDto })
  @ApiConflict('a user with this email exists in the instance')
  createUser(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Param('id') id: string,
    @Body() dto: CreateUserDto,
  ): Promise<UserDto> {
    return this.keys.call<UserDto>(request, principal, 'POST', `/instances/${encodeURIComponent(id)}/users`, dto);
  }

  private async syncCreditAccount(request: FastifyRequest, instance: InstanceDto): Promise<void> {
    await this.clients.credits.json({
      method: 'PUT',
      path: `/accounts/${encodeURIComponent(instance.id)}`,
      principal: { instanceId: instance.id, kind: 'system', scopes: [] },
      requestId: String(request.id),
      body: { dailyCredits: instance.dailyCredits, timezone: instance.timezone, planVersion: instance.planVersion },
    });
  }
}
