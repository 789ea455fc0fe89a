import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { KeyDeactivationReason } from '@tollgate/contracts';
import { IdentityCommands } from '../identity/identity-commands';
import { keyStream } from '../identity/stream-ids';
import { keyDecider } from './key.decider';

/** What led to a deactivation, for the envelopes of its KeyDeactivated events. */
export interface KeyDeactivationCause {
  /** The request behind it, when a request caused it. */
  correlationId?: string;
  /** The event it reacts to (UserDowngraded, UserDeactivated). */
  causationId?: string;
}

/** Deactivates keys in the caller's transaction, one KeyDeactivated each; already inactive keys are left alone. */
@Injectable()
export class KeyDeactivation {
  constructor(private readonly commands: IdentityCommands) {}

  async ownedBy(em: EntityManager, instanceId: string, userId: string, reason: KeyDeactivationReason, cause: KeyDeactivationCause = {}) {
    // Locked in id order, as a revocation locks them: the two take turns instead of colliding.
    const keys: { id: string }[] = await em.query(
      `SELECT id FROM api_keys WHERE instance_id = $1 AND owner_id = $2 AND status = 'active' ORDER BY id FOR UPDATE`,
      [instanceId, userId],
    );
    for (const { id } of keys) await this.locked(em, instanceId, id, reason, cause);
    return keys.length;
  }

  async one(em: EntityManager, instanceId: string, keyId: string, reason: KeyDeactivationReason, cause: KeyDeactivationCause = {}) {
    await em.query(`SELECT 1 FROM api_keys WHERE id = $1 FOR UPDATE`, [keyId]);
    return this.locked(em, instanceId, keyId, reason, cause);
  }

  /** Deactivates a key whose row the caller's transaction has locked. */
  private locked(em: EntityManager, instanceId: string, keyId: string, reason: KeyDeactivationReason, cause: KeyDeactivationCause) {
    return this.commands.run(keyDecider, {
      streamId: keyStream(keyId),
      instanceId,
      command: { type: 'deactivate', keyId, reason },
      em,
      correlationId: cause.correlationId,
      causationId: cause.causationId,
    });
  }
}
