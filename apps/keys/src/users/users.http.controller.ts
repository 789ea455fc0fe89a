import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { requireUserAdmin } from '../identity/access';
import { CreateUserDto, UpdateUserDto, type UserView } from './user.dto';
import { UsersService } from './users.service';

@Controller('users')
export class UsersHttpController {
  constructor(private readonly users: UsersService) {}

  @Post()
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateUserDto): Promise<UserView> {
    requireUserAdmin(principal);
    return this.users.register(principal.instanceId, dto, principal.requestId);
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal): Promise<{ users: UserView[] }> {
    requireUserAdmin(principal);
    return { users: await this.users.list(principal.instanceId) };
  }

  @Get(':id')
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<UserView> {
    requireUserAdmin(principal);
    return this.users.get(principal.instanceId, id);
  }

  @Patch(':id')
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: UpdateUserDto): Promise<UserView> {
    requireUserAdmin(principal);
    return this.users.update(principal.instanceId, id, dto, principal.requestId);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    requireUserAdmin(principal);
    await this.users.update(principal.instanceId, id, { status: 'deactivated' }, principal.requestId);
  }
}
