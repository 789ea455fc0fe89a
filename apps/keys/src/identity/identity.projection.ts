import type { EntityManager } from 'typeorm';
import {
  InstanceCreated,
  InstancePlanChanged,
  KeyDeactivated,
  KeyIssued,
  KeyRevoked,
  UserDeactivated,
  UserReactivated,
  UserRegistered,
  UserRolesChanged,
  type EventData,
  type EventEnvelope,
} from '@tollgate/contracts';
import type { Projection } from '@tollgate/event-sourcing';

type Handler = (em: EntityManager, event: EventEnvelope, data: any) => Promise<unknown>;

const handlers: Record<string, Handler> = {
  [InstanceCreated.type]: (em, e, d: EventData<typeof InstanceCreated>) =>
    em.query(`INSERT INTO instances (id, name, daily_credits, timezone, created_at) VALUES ($1, $2, $3, $4, $5)`, [
      e.instanceId,
      d.name,
      d.dailyCredits,
      d.timezone,
      e.occurredAt,
    ]),
  [InstancePlanChanged.type]: (em, e, d: EventData<typeof InstancePlanChanged>) =>
    em.query(`UPDATE instances SET daily_credits = $2, timezone = $3 WHERE id = $1`, [e.instanceId, d.dailyCredits, d.timezone]),
  [UserRegistered.type]: (em, e, d: EventData<typeof UserRegistered>) =>
    em.query(
      `INSERT INTO users (id, instance_id, email, name, roles, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, 'active', $6, $6)`,
      [d.userId, e.instanceId, d.email, d.name, JSON.stringify(d.roles), e.occurredAt],
    ),
  [UserRolesChanged.type]: (em, e, d: EventData<typeof UserRolesChanged>) =>
    em.query(`UPDATE users SET roles = $2, updated_at = $3 WHERE id = $1`, [d.userId, JSON.stringify(d.roles), e.occurredAt]),
  [UserDeactivated.type]: (em, e, d: EventData<typeof UserDeactivated>) =>
    em.query(`UPDATE users SET status = 'deactivated', updated_at = $2 WHERE id = $1`, [d.userId, e.occurredAt]),
  [UserReactivated.type]: (em, e, d: EventData<typeof UserReactivated>) =>
    em.query(`UPDATE users SET status = 'active', updated_at = $2 WHERE id = $1`, [d.userId, e.occurredAt]),
  [KeyIssued.type]: (em, e, d: EventData<typeof KeyIssued>) =>
    em.query(
      `INSERT INTO api_keys (id, instance_id, kind, prefix, description, scopes, entities, owner_id, expires_at, status, created_at, changed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active', $10, $10)`,
      [
        d.keyId,
        e.instanceId,
        d.kind,
        d.prefix,
        d.description,
        JSON.stringify(d.scopes),
        d.entities ? JSON.stringify(d.entities) : null,
        d.ownerId ?? null,
        d.expiresAt ?? null,
        e.occurredAt,
      ],
    ),
  [KeyRevoked.type]: (em, e, d: EventData<typeof KeyRevoked>) =>
    em.query(`UPDATE api_keys SET status = 'revoked', changed_at = $2 WHERE id = $1`, [d.keyId, e.occurredAt]),
  [KeyDeactivated.type]: (em, e, d: EventData<typeof KeyDeactivated>) =>
    em.query(`UPDATE api_keys SET status = 'deactivated', deactivation_reason = $2, changed_at = $3 WHERE id = $1`, [
      d.keyId,
      d.reason,
      e.occurredAt,
    ]),
};

/** Instances, users and keys as the admin endpoints and the credential check read them. */
export const identityProjection: Projection = {
  name: 'identity',
  tables: ['instances', 'users', 'api_keys'],
  async apply(em, event) {
    await handlers[event.type]?.(em, event, event.data);
  },
};
