import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { isAdminOfAnyModule } from '@tollgate/contracts';
import { Authenticated } from '../auth/authenticated.decorator';
import { CredentialVerifier } from '../auth/credential-verifier';
import { CredentialWatch } from '../auth/credential-watch';
import { ApiConflict } from '../openapi/api-errors';
import { CreateGroupDto, CreateUserDto, GroupDto, GroupListDto, UpdateUserDto, UserDto, UserListDto } from './identity.dto';
import { KeysForwarder } from './keys-forwarder';

const id = (value: string) => encodeURIComponent(value);

/** Users and groups of the caller's instance: the users module admin role (session) or an admin-scoped key. */
@ApiTags('identity')
@Controller('api/v1')
@Authenticated()
export class UsersHttpController {
  constructor(
    private readonly keys: KeysForwarder,
    private readonly verifier: CredentialVerifier,
    private readonly watch: CredentialWatch,
  ) {}

  @Post('users')
  @ApiOperation({ summary: 'Create a user' })
  @ApiCreatedResponse({ type: UserDto })
  @ApiConflict('a user with this email exists')
  create(@CurrentPrincipal() p: Principal, @Req() r: FastifyRequest, @Body() dto: CreateUserDto): Promise<UserDto> {
    return this.keys.call(r, p, 'POST', '/users', dto);
  }

  @Get('users')
  @ApiOperation({ summary: "The instance's users" })
  @ApiOkResponse({ type: UserListDto })
  list(@CurrentPrincipal() p: Principal, @Req() r: FastifyRequest): Promise<UserListDto> {
    return this.keys.call(r, p, 'GET', '/users');
  }

  @Get('users/:id')
  @ApiOperation({ summary: 'One user' })
  @ApiOkResponse({ type: UserDto })
  get(@CurrentPrincipal() p: Principal, @Req() r: FastifyRequest, @Param('id') userId: string): Promise<UserDto> {
    return this.keys.call(r, p, 'GET', `/users/${id(userId)}`);
  }

  @Patch('users/:id')
  @ApiOperation({ summary: 'Change roles, status or groups; losing the last admin role deactivates the user’s keys' })
  @ApiOkResponse({ type: UserDto })
  @ApiConflict('it would leave the instance without an active users admin')
  async update(
    @CurrentPrincipal() p: Principal,
    @Req() r: FastifyRequest,
    @Param('id') userId: string,
    @Body() dto: UpdateUserDto,
  ): Promise<UserDto> {
    // Only a user who held an admin role can lose the last one: a reader made contributor keeps all.
    const before = dto.roles ? await this.keys.call<UserDto>(r, p, 'GET', `/users/${id(userId)}`) : undefined;
    const user = await this.keys.call<UserDto>(r, p, 'PATCH', `/users/${id(userId)}`, dto);
    // This gateway sees the new roles and status at once; the others on the user's events.
    this.verifier.cache.evictUser(user.id);
    // A deactivated user, or one downgraded to admin of nothing: their keys stop, and their open
    // answers (live balances) end at once; a session's client reconnects if it still may.
    if (user.status === 'deactivated' || (before && isAdminOfAnyModule(before.roles) && !isAdminOfAnyModule(user.roles))) this.watch.userEnded(user.id);
    return user;
  }

  @Delete('users/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Deactivate a user (their keys are deactivated too)' })
  @ApiNoContentResponse()
  @ApiConflict('the user is the instance’s last active users admin')
  async remove(@CurrentPrincipal() p: Principal, @Req() r: FastifyRequest, @Param('id') userId: string): Promise<void> {
    await this.keys.call(r, p, 'DELETE', `/users/${id(userId)}`);
    this.verifier.cache.evictUser(userId);
    this.watch.userEnded(userId);
  }

  @Post('groups')
  @ApiOperation({ summary: 'Create a group of users' })
  @ApiCreatedResponse({ type: GroupDto })
  @ApiConflict('a group with this name exists')
  createGroup(@CurrentPrincipal() p: Principal, @Req() r: FastifyRequest, @Body() dto: CreateGroupDto): Promise<GroupDto> {
    return this.keys.call(r, p, 'POST', '/groups', dto);
  }

  @Get('groups')
  @ApiOperation({ summary: "The instance's groups" })
  @ApiOkResponse({ type: GroupListDto })
  listGroups(@CurrentPrincipal() p: Principal, @Req() r: FastifyRequest): Promise<GroupListDto> {
    return this.keys.call(r, p, 'GET', '/groups');
  }

  @Get('groups/:id')
  @ApiOperation({ summary: 'One group' })
  @ApiOkResponse({ type: GroupDto })
  getGroup(@CurrentPrincipal() p: Principal, @Req() r: FastifyRequest, @Param('id') groupId: string): Promise<GroupDto> {
    return this.keys.call(r, p, 'GET', `/groups/${id(groupId)}`);
  }

  @Delete('groups/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a group' })
  @ApiNoContentResponse()
  async removeGroup(@CurrentPrincipal() p: Principal, @Req() r: FastifyRequest, @Param('id') groupId: string): Promise<void> {
    await this.keys.call(r, p, 'DELETE', `/groups/${id(groupId)}`);
  }
}
