import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ErrorCode, UserDeactivated, UserDowngraded, type KeyDeactivationReason, type ModuleRoles } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { isUniqueViolation } from '@tollgate/event-sourcing';
import { canonicalId, canonicalIds, UUID } from '../identity/access';
import { Hashing } from '../identity/hashing';
import { IdentityCommands } from '../identity/identity-commands';
import { KeyDeactivation } from '../keys/key-deactivation';
import { userStream } from '../identity/stream-ids';
import { userDecider, type UserCommand } from './user.decider';
import type { CreateUserDto, UpdateUserDto, UserView } from './user.dto';

interface UserRow {
  id: string;
  email: string;
  name: string;
  roles: ModuleRoles;
  status: 'active' | 'deactivated';
  groups: string[];
  created_at: Date;
}

const toView = (r: UserRow): UserView => ({
  id: r.id,
  email: r.email,
  name: r.name,
  roles: r.roles,
  status: r.status,
  groups: r.groups ?? [],
  createdAt: r.created_at.toISOString(),
});

const USER_SELECT = `SELECT u.id, u.email, u.name, u.roles, u.status, u.created_at,
  coalesce((SELECT array_agg(g.id ORDER BY g.name) FROM user_groups g WHERE u.id = ANY(g.members)), '{}') AS groups
  FROM users u`;

const LAST_ADMIN = 'An instance must keep at least one active users admin';

/** The user events that take their keys away for good, and the reason the keys then give. */
const KEY_ENDING_EVENTS: Record<string, KeyDeactivationReason> = {
  [UserDowngraded.type]: 'owner_downgraded',
  [UserDeactivated.type]: 'owner_deactivated',
};

@Injectable()
export class UsersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly commands: IdentityCommands,
    private readonly hashing: Hashing,
    private readonly deactivation: KeyDeactivation,
  ) {}

  async register(instanceId: string, dto: CreateUserDto, requestId?: string): Promise<UserView> {
    const userId = randomUUID();
    const passwordHash = dto.password ? await this.hashing.hashPassword(dto.password) : undefined;
    try {
      await this.dataSource.transaction(async (em) => {
        const [instance] = await em.query(`SELECT id FROM instances WHERE id = $1`, [instanceId]);
        if (!instance) throw ApiException.notFound('No such instance');
        await this.run(em, instanceId, { type: 'register', userId, email: dto.email, name: dto.name, roles: dto.roles }, requestId);
        if (passwordHash) await em.query(`INSERT INTO user_passwords (user_id, hash) VALUES ($1, $2)`, [userId, passwordHash]);
      });
    } catch (error) {
      if (isUniqueViolation(error, 'users_instance_email')) {
        throw new ApiException(ErrorCode.Conflict, 'A user with this email already exists');
      }
      throw error;
    }
    return this.get(instanceId, userId);
  }

  async list(instanceId: string): Promise<UserView[]> {
    const rows: UserRow[] = await this.dataSource.query(`${USER_SELECT} WHERE u.instance_id = $1 ORDER BY u.created_at, u.id`, [
      instanceId,
    ]);
    return rows.map(toView);
  }

  async get(instanceId: string, userId: string, em: EntityManager = this.dataSource.manager): Promise<UserView> {
    if (!UUID.test(userId)) throw ApiException.notFound('No such user');
    const [row]: UserRow[] = await em.query(`${USER_SELECT} WHERE u.instance_id = $1 AND u.id = $2`, [instanceId, userId]);
    if (!row) throw ApiException.notFound('No such user');
    return toView(row);
  }

  async update(instanceId: string, requestedId: string, dto: UpdateUserDto, requestId?: string): Promise<UserView> {
    const userId = canonicalId(requestedId);
    await this.dataSource.transaction(async (em) => {
      await this.lockUsers(em, instanceId);
      const user = await this.get(instanceId, userId, em);
      const roles = dto.roles ?? user.roles;
      const active = (dto.status ?? user.status) === 'active';
      if (user.status === 'active' && user.roles.users === 'admin' && !(active && roles.users === 'admin')) {
        const [{ others }] = await em.query(
          `SELECT count(*)::int AS others FROM users
            WHERE instance_id = $1 AND id <> $2 AND status = 'active' AND roles->>'users' = 'admin'`,
          [instanceId, userId],
        );
        if (others === 0) throw new ApiException(ErrorCode.Conflict, LAST_ADMIN);
      }
      if (dto.roles) await this.run(em, instanceId, { type: 'changeRoles', userId, roles: dto.roles }, requestId);
      if (dto.status === 'deactivated') {
        await this.run(em, instanceId, { type: 'deactivate', userId }, requestId);
        await em.query(`DELETE FROM sessions WHERE user_id = $1`, [userId]);
      }
      if (dto.status === 'active') await this.run(em, instanceId, { type: 'reactivate', userId }, requestId);
      if (dto.groups) await this.setGroups(em, instanceId, userId, dto.groups);
    });
    return this.get(instanceId, userId);
  }

  /**
   * Serialises role and status changes per instance, the host's included: two demotions cannot both
   * pass the last-admin check, and a change made while another is under way waits and is then
   * decided on the user as the other left them, instead of failing on the stream version it read.
   */
  private async lockUsers(em: EntityManager, instanceId: string): Promise<void> {
    await em.query(`SELECT pg_advisory_xact_lock(hashtext('tollgate-users:' || $1))`, [instanceId]);
  }

  private async setGroups(em: EntityManager, instanceId: string, userId: string, requestedIds: string[]): Promise<void> {
    const groupIds = canonicalIds(requestedIds);
    const found: { id: string }[] = await em.query(`SELECT id FROM user_groups WHERE instance_id = $1 AND id = ANY($2::uuid[])`, [
      instanceId,
      groupIds,
    ]);
    const missing = groupIds.filter((id) => !found.some((g) => g.id === id));
    if (missing.length) throw ApiException.validation([{ field: 'groups', message: `unknown groups: ${missing.join(', ')}` }]);
    await em.query(
      `UPDATE user_groups SET members = array_remove(members, $2::uuid) WHERE instance_id = $1 AND NOT (id = ANY($3::uuid[]))`,
      [instanceId, userId, groupIds],
    );
    await em.query(
      `UPDATE user_groups SET members = array_append(members, $2::uuid)
        WHERE instance_id = $1 AND id = ANY($3::uuid[]) AND NOT ($2::uuid = ANY(members))`,
      [instanceId, userId, groupIds],
    );
  }

  /**
   * A downgrade or a deactivation ends the user's keys in the same transaction, not in a reaction
   * to its event: a reaction runs late when the service restarts (its consumer group waits out the
   * dead member), and a user reactivated or made admin again meanwhile would get the keys back.
   */
  private async run(em: EntityManager, instanceId: string, command: UserCommand, correlationId?: string, causationId?: string) {
    const result = await this.commands.run(userDecider, { streamId: userStream(command.userId), instanceId, command, em, correlationId, causationId });
    for (const event of result.events) {
      const reason = KEY_ENDING_EVENTS[event.type];
      if (reason) await this.deactivation.ownedBy(em, instanceId, command.userId, reason, { correlationId, causationId: event.id });
    }
    return result;
  }

  /**
   * The host product deactivated one of the instance's users (its own UserDeactivated event, which
   * `cause` names): the user is deactivated here as by an admin, so their sessions, keys and logins
   * end, and a fresh key cannot be issued to them. The host's word stands even for the last users
   * admin (the operator can add another). An id that is not one of the instance's users changes nothing.
   */
  async deactivateAtHostsWord(em: EntityManager, instanceId: string, userId: string, cause: { correlationId?: string; causationId: string }): Promise<void> {
    await this.lockUsers(em, instanceId);
    const [user] = await em.query(`SELECT 1 FROM users WHERE instance_id = $1 AND id = $2`, [instanceId, userId]);
    if (!user) return;
    await this.run(em, instanceId, { type: 'deactivate', userId }, cause.correlationId, cause.causationId);
    await em.query(`DELETE FROM sessions WHERE user_id = $1`, [userId]);
  }
}
