import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { ApiException } from '@tollgate/service-runtime';
import { requireOperator } from '../identity/access';
import { IdentityCommands } from '../identity/identity-commands';
import { instanceStream } from '../identity/stream-ids';
import { CreateUserDto, type UserView } from '../users/user.dto';
import { UsersService } from '../users/users.service';
import { instanceDecider } from './instance.decider';
import { ChangePlanDto, CreateInstanceDto, type InstanceView } from './instance.dto';

/** Operator endpoints: instances and their first users. */
@Controller('instances')
export class InstancesHttpController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly commands: IdentityCommands,
    private readonly users: UsersService,
  ) {}

  @Post()
  async create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateInstanceDto): Promise<InstanceView> {
    requireOperator(principal);
    const { id, ...command } = dto;
    await this.commands.run(instanceDecider, {
      streamId: instanceStream(id),
      instanceId: id,
      command: { type: 'create', ...command },
      correlationId: principal.requestId,
    });
    return this.get(principal, id);
  }

  @Get(':id')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<InstanceView> {
    requireOperator(principal);
    // One statement, one snapshot: the plan and the version of its stream that wrote it agree.
    const [row] = await this.dataSource.query(
      `SELECT i.*, (SELECT max(version) FROM events WHERE stream_id = $2)::int AS plan_version FROM instances i WHERE i.id = $1`,
      [id, instanceStream(id)],
    );
    if (!row) throw ApiException.notFound('No such instance');
    return {
      id: row.id,
      name: row.name,
      dailyCredits: row.daily_credits,
      timezone: row.timezone,
      planVersion: row.plan_version,
      createdAt: row.created_at.toISOString(),
    };
  }

  @Patch(':id')
  async changePlan(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: ChangePlanDto): Promise<InstanceView> {
    requireOperator(principal);
    await this.commands.run(instanceDecider, {
      streamId: instanceStream(id),
      instanceId: id,
      command: { type: 'changePlan', ...dto },
      correlationId: principal.requestId,
    });
    return this.get(principal, id);
  }

  @Post(':id/users')
  createUser(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: CreateUserDto): Promise<UserView> {
    requireOperator(principal);
    return this.users.register(id, dto, principal.requestId);
  }
}
