import { randomUUID } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ArrayUnique, IsArray, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { DataSource } from 'typeorm';
import { CurrentPrincipal, mayManageFlows, type Principal } from '@tollgate/auth';
import { ErrorCode } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { isUniqueViolation } from '@tollgate/event-sourcing';
import { canonicalIds, requireUserAdmin, UUID } from '../identity/access';

class CreateGroupDto {
  @IsString() @Matches(/\S/, { message: 'name must not be blank' }) @MaxLength(200) name!: string;
  @IsArray() @ArrayUnique() @IsUUID('all', { each: true }) members!: string[];
}

interface GroupView {
  id: string;
  name: string;
  members: string[];
  createdAt: string;
}

const toView = (r: { id: string; name: string; members: string[]; created_at: Date }): GroupView => ({
  id: r.id,
  name: r.name,
  members: r.members,
  createdAt: r.created_at.toISOString(),
});

/**
 * Reading groups: user administrators, flow administrators (who give flows to groups), and the
 * services themselves (flows checks a caller's membership).
 */
function requireGroupReader(principal: Principal): void {
  if (principal.kind !== 'system' && !mayManageFlows(principal)) requireUserAdmin(principal);
}

/** Groups of users of one instance; flows grant their privileges to groups. */
@Controller('groups')
export class GroupsHttpController {
  constructor(private readonly dataSource: DataSource) {}

  @Post()
  async create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateGroupDto): Promise<GroupView> {
    requireUserAdmin(principal);
    const ids = canonicalIds(dto.members);
    const members: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM users WHERE instance_id = $1 AND id = ANY($2::uuid[])`,
      [principal.instanceId, ids],
    );
    const unknown = ids.filter((id) => !members.some((m) => m.id === id));
    if (unknown.length) throw ApiException.validation([{ field: 'members', message: `unknown users: ${unknown.join(', ')}` }]);
    try {
      const [row] = await this.dataSource.query(
        `INSERT INTO user_groups (id, instance_id, name, members) VALUES ($1, $2, $3, $4::uuid[]) RETURNING *`,
        [randomUUID(), principal.instanceId, dto.name, ids],
      );
      return toView(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ApiException(ErrorCode.Conflict, 'A group with this name already exists');
      throw error;
    }
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal): Promise<{ groups: GroupView[] }> {
    requireGroupReader(principal);
    const rows = await this.dataSource.query(`SELECT * FROM user_groups WHERE instance_id = $1 ORDER BY lower(name)`, [
      principal.instanceId,
    ]);
    return { groups: rows.map(toView) };
  }

  @Get(':id')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<GroupView> {
    requireGroupReader(principal);
    if (!UUID.test(id)) throw ApiException.notFound('No such group');
    const [row] = await this.dataSource.query(`SELECT * FROM user_groups WHERE instance_id = $1 AND id = $2`, [principal.instanceId, id]);
    if (!row) throw ApiException.notFound('No such group');
    return toView(row);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    requireUserAdmin(principal);
    if (!UUID.test(id)) throw ApiException.notFound('No such group');
    const [, count] = await this.dataSource.query(`DELETE FROM user_groups WHERE instance_id = $1 AND id = $2`, [principal.instanceId, id]);
    if (!count) throw ApiException.notFound('No such group');
  }
}
