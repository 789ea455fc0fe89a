import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { credentialPrefix, generateCredential, type Principal } from '@tollgate/auth';
import { ErrorCode, isAdminOfAnyModule, KEY_SCOPES, type KeyScope, type ModuleRoles } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { isUniqueViolation } from '@tollgate/event-sourcing';
import { canonicalId, canonicalIds, UUID } from '../identity/access';
import { Hashing } from '../identity/hashing';
import { IdentityCommands } from '../identity/identity-commands';
import { keyStream } from '../identity/stream-ids';
import { keyDecider, type KeyCommand } from './key.decider';
import type { IssuedKeyView, IssueKeyDto, KeyView } from './key.dto';

interface KeyRow {
  id: string;
  kind: KeyView['kind'];
  prefix: string;
  description: string;
  scopes: KeyScope[];
  entities: string[] | null;
  owner_id: string | null;
  expires_at: Date | null;
  status: KeyView['status'];
  deactivation_reason: KeyView['deactivationReason'] | null;
  created_at: Date;
  last_used_at: Date | null;
  use_count: string | null;
}

function toView(r: KeyRow, now = new Date()): KeyView {
  // Past its expiry a key is refused at once, even before the sweep records KeyDeactivated.
  const expired = r.status === 'active' && r.expires_at !== null && r.expires_at <= now;
  return {
    id: r.id,
    kind: r.kind,
    prefix: r.prefix,
    description: r.description,
    scopes: r.scopes,
    ...(r.entities ? { entities: r.entities } : {}),
    ...(r.owner_id ? { ownerId: r.owner_id } : {}),
    ...(r.expires_at ? { expiresAt: r.expires_at.toISOString() } : {}),
    status: expired ? 'deactivated' : r.status,
    ...(expired ? { deactivationReason: 'expired' as const } : r.deactivation_reason ? { deactivationReason: r.deactivation_reason } : {}),
    createdAt: r.created_at.toISOString(),
    ...(r.last_used_at ? { lastUsedAt: r.last_used_at.toISOString() } : {}),
    useCount: Number(r.use_count ?? 0),
  };
}

const KEY_SELECT = `SELECT k.*, u.last_used_at, u.use_count FROM api_keys k LEFT JOIN key_usage u ON u.key_id = k.id`;

@Injectable()
export class KeysService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly commands: IdentityCommands,
    private readonly hashing: Hashing,
  ) {}

  async issue(principal: Principal, dto: IssueKeyDto): Promise<IssuedKeyView> {
    const instanceId = principal.instanceId;
    const now = new Date();
    if (dto.expiresAt && !(Date.parse(dto.expiresAt) > now.getTime())) {
      throw ApiException.validation([{ field: 'expiresAt', message: 'expiresAt must be in the future' }]);
    }
    if (dto.kind === 'data') {
      if (!dto.entities) throw ApiException.validation([{ field: 'entities', message: 'a data key needs its list of entities' }]);
      if (dto.scopes && dto.scopes.some((s) => s !== 'query')) {
        throw ApiException.validation([{ field: 'scopes', message: 'a data key is read-only: only the query scope' }]);
      }
    } else if (dto.entities) {
      throw ApiException.validation([{ field: 'entities', message: 'only data keys are restricted to entities' }]);
    }
    const ownerId = dto.ownerId ? canonicalId(dto.ownerId) : dto.kind === 'personal' ? principal.userId : undefined;
    if (dto.kind === 'personal' && !ownerId) {
      throw ApiException.validation([{ field: 'ownerId', message: 'a personal key issued by a non-user needs ownerId' }]);
    }
    const scopes: KeyScope[] = dto.scopes ?? (dto.kind === 'data' ? ['query'] : [...KEY_SCOPES]);
    const keyId = randomUUID();
    const key = generateCredential(dto.kind);

    try {
      await this.dataSource.transaction(async (em) => {
        if (ownerId) await this.checkOwner(em, instanceId, ownerId, dto.kind === 'personal', now);
        await this.run(em, instanceId, {
          type: 'issue',
          key: {
            keyId,
            kind: dto.kind,
            prefix: credentialPrefix(key),
            scopes,
            description: dto.description,
            ...(dto.entities ? { entities: dto.entities } : {}),
            ...(ownerId ? { ownerId } : {}),
            ...(dto.expiresAt ? { expiresAt: new Date(dto.expiresAt).toISOString() } : {}),
          },
        }, principal.requestId);
        await em.query(`INSERT INTO key_secrets (key_id, hash) VALUES ($1, $2)`, [keyId, this.hashing.credential(key)]);
      });
    } catch (error) {
      if (isUniqueViolation(error, 'api_keys_one_active_personal')) throw this.keyExists();
      throw error;
    }
    return { ...(await this.get(instanceId, keyId)), key };
  }

  async list(instanceId: string): Promise<KeyView[]> {
    const rows: KeyRow[] = await this.dataSource.query(
      `${KEY_SELECT} WHERE k.instance_id = $1 ORDER BY u.last_used_at DESC NULLS LAST, k.created_at DESC, k.id`,
      [instanceId],
    );
    return rows.map((r) => toView(r));
  }

  async get(instanceId: string, keyId: string): Promise<KeyView> {
    const [row]: KeyRow[] = await this.dataSource.query(`${KEY_SELECT} WHERE k.instance_id = $1 AND k.id = $2`, [instanceId, keyId]);
    if (!row) throw ApiException.notFound('No such key');
    return toView(row);
  }

  /** All or nothing: one id from elsewhere (or unknown) and none is revoked. */
  async revoke(principal: Principal, ids: string[]): Promise<void> {
    const unique = canonicalIds(ids);
    if (unique.some((id) => !UUID.test(id))) throw ApiException.notFound('No such key');
    await this.dataSource.transaction(async (em) => {
      // Locked in id order, as every change of a key locks it: two revocations of a key (a double
      // click, a retry), or one racing its owner's deactivation, take turns instead of colliding.
      const found: { id: string }[] = await em.query(
        `SELECT id FROM api_keys WHERE instance_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE`,
        [principal.instanceId, unique],
      );
      if (found.length !== unique.length) throw ApiException.notFound('No such key');
      for (const keyId of unique) await this.run(em, principal.instanceId, { type: 'revoke', keyId }, principal.requestId);
    });
  }

  private async checkOwner(em: EntityManager, instanceId: string, ownerId: string, personal: boolean, now: Date): Promise<void> {
    // Held until the key is committed: a downgrade or deactivation of the owner (which updates
    // this row) waits, then finds the new key and ends it, or goes first and the owner is refused.
    const [owner]: { status: string; roles: ModuleRoles }[] = await em.query(
      `SELECT status, roles FROM users WHERE instance_id = $1 AND id = $2 FOR SHARE`,
      [instanceId, ownerId],
    );
    if (!owner) throw ApiException.notFound('No such user');
    if (owner.status !== 'active') throw ApiException.validation([{ field: 'ownerId', message: 'the owner is deactivated' }]);
    if (!personal) return;
    if (!isAdminOfAnyModule(owner.roles)) {
      throw new ApiException(ErrorCode.NotAdmin, 'A personal key needs an owner who is admin of at least one module');
    }
    // Locked, as every change of a key locks it: an expiry sweep or revocation of the old key under
    // way finishes first, and the key, no longer active, is then not found. Read without the lock, it
    // would be ended a second time on a stream the sweep had moved on, and the issue would fail.
    const [current]: { id: string; expires_at: Date | null }[] = await em.query(
      `SELECT id, expires_at FROM api_keys WHERE owner_id = $1 AND kind = 'personal' AND status = 'active' FOR UPDATE`,
      [ownerId],
    );
    if (!current) return;
    if (current.expires_at && current.expires_at <= now) {
      await this.run(em, instanceId, { type: 'deactivate', keyId: current.id, reason: 'expired' });
      return;
    }
    throw this.keyExists();
  }

  private keyExists(): ApiException {
    return new ApiException(ErrorCode.KeyExists, 'This user already has an active personal key');
  }

  private run(em: EntityManager, instanceId: string, command: KeyCommand, correlationId?: string) {
    const keyId = command.type === 'issue' ? command.key.keyId : command.keyId;
    return this.commands.run(keyDecider, { streamId: keyStream(keyId), instanceId, command, em, correlationId });
  }
}
