import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { KeyDeactivationReason } from '@tollgate/contracts';
import { IdentityCommands } from '../identity/identity-commands';
import { keyStream } from '../identity/stream-ids';
import { keyDecider } from './key.decider';

/** Deactivates keys in the caller's transaction, one KeyDeactivated each; already inactive keys are left alone. */
@Injectable()
export class KeyDeactivation {
  constructor(private readonly commands: IdentityCommands) {}

  async ownedBy(em: EntityManager, instanceId: string, userId: string, reason: KeyDeactivationReason, causationId?: string) {
    const keys: { id: string }[] = await em.query(
      `SELECT id FROM api_keys WHERE instance_id = $1 AND owner_id = $2 AND status = 'active' ORDER BY id`,
      [instanceId, userId],
    );
    for (const { id } of keys) await this.one(em, instanceId, id, reason, causationId);
    return keys.length;
  }

  one(em: EntityManager, instanceId: string, keyId: string, reason: KeyDeactivationReason, causationId?: string) {
    return this.commands.run(keyDecider, {
      streamId: keyStream(keyId),
      instanceId,
      command: { type: 'deactivate', keyId, reason },
      em,
      causationId,
    });
  }
}
