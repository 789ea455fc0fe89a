import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { generateCredential, parseCredential, type Principal } from '@tollgate/auth';
import { isAdminOfAnyModule, SessionEnded, sessionAggregateId, type KeyScope, type ModuleRoles } from '@tollgate/contracts';
import { writeNotice } from '@tollgate/event-sourcing';
import { ApiException } from '@tollgate/service-runtime';
import { KEYS_CONFIG, type KeysConfig } from '../config/keys.config';
import { sessionScopes } from '../identity/access';
import { Hashing } from '../identity/hashing';
import { LoginFailures } from './login-failures';

export interface VerifiedCredential {
  principal: Principal;
  expiresAt?: string;
}

interface KeyMatch {
  id: string;
  instance_id: string;
  kind: 'personal' | 'organization' | 'data';
  scopes: KeyScope[];
  entities: string[] | null;
  owner_id: string | null;
  expires_at: Date | null;
  owner_status: string | null;
  owner_roles: ModuleRoles | null;
}

/** Answers the gateway's credential checks and console logins. */
@Injectable()
export class CredentialsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly hashing: Hashing,
    private readonly failures: LoginFailures,
    @Inject(KEYS_CONFIG) private readonly config: KeysConfig,
  ) {}

  async verify(credential: string): Promise<VerifiedCredential | undefined> {
    const kind = parseCredential(credential);
    if (!kind) return undefined;
    const hash = this.hashing.credential(credential);
    const verified = kind === 'session' ? await this.verifySession(hash) : await this.verifyKey(hash);
    return verified && this.withTimezone(verified);
  }

  /** The instance's time zone goes with the principal, for the services that count its days (a query's `from` and `to`). */
  private async withTimezone(verified: VerifiedCredential): Promise<VerifiedCredential> {
    const [instance]: { timezone: string }[] = await this.dataSource.query(`SELECT timezone FROM instances WHERE id = $1`, [verified.principal.instanceId]);
    return instance ? { ...verified, principal: { ...verified.principal, timezone: instance.timezone } } : verified;
  }

  /** A console login; `client` (the address the gateway names) counts its failures (see LoginFailures). */
  async login(instanceId: string, email: string, password: string, client?: string): Promise<{ token: string; expiresAt: string }> {
    const attempt = client === undefined ? undefined : { instanceId, email, client };
    if (attempt) await this.failures.assertAllowed(attempt);
    const [user]: { id: string; hash: string | null }[] = await this.dataSource.query(
      `SELECT u.id, p.hash FROM users u LEFT JOIN user_passwords p ON p.user_id = u.id
        WHERE u.instance_id = $1 AND lower(u.email) IN (lower($2), lower($3)) AND u.status = 'active'`,
      // Addresses are stored composed (NFC); one stored before that is found as it was typed then.
      [instanceId, email.normalize('NFC'), email],
    );
    const ok = await this.hashing.verifyPasswordOrNone(user?.hash, password);
    if (!user || !ok) {
      if (attempt) await this.failures.recordFailure(attempt);
      throw ApiException.invalidToken();
    }
    if (attempt) await this.failures.recordSuccess(attempt);
    const token = generateCredential('session');
    const expiresAt = new Date(Date.now() + this.config.SESSION_TTL_MINUTES * 60_000);
    await this.dataSource.transaction(async (em) => {
      // The password check takes a while: a deactivation may have ended the user's sessions
      // meanwhile. Holding the row, either it waits and ends this one too, or it went first.
      const [still] = await em.query(`SELECT 1 FROM users WHERE id = $1 AND status = 'active' FOR SHARE`, [user.id]);
      if (!still) throw ApiException.invalidToken();
      await em.query(`INSERT INTO sessions (hash, user_id, instance_id, expires_at) VALUES ($1, $2, $3, $4)`, [
        this.hashing.credential(token),
        user.id,
        instanceId,
        expiresAt,
      ]);
    });
    return { token, expiresAt: expiresAt.toISOString() };
  }

  /**
   * Ends a console session (sign-out). Ending one that is unknown or already over changes nothing.
   * `SessionEnded` commits with the deletion, so every gateway drops its cached verification of
   * the session within moments, not a cache TTL later.
   */
  async endSession(credential: string, requestId?: string): Promise<void> {
    if (parseCredential(credential) !== 'session') return;
    await this.dataSource.transaction(async (em) => {
      const [ended]: { id: string; user_id: string; instance_id: string }[] = await em.query(
        // As a SELECT: TypeORM answers a bare DELETE with [rows, count].
        `WITH ended AS (DELETE FROM sessions WHERE hash = $1 RETURNING id, user_id, instance_id) SELECT * FROM ended`,
        [this.hashing.credential(credential)],
      );
      if (!ended) return;
      await writeNotice(em, SessionEnded, {
        instanceId: ended.instance_id,
        aggregateId: sessionAggregateId(ended.id),
        correlationId: requestId,
        data: { sessionId: ended.id, userId: ended.user_id },
      });
    });
  }

  private async verifySession(hash: Buffer): Promise<VerifiedCredential | undefined> {
    const [row]: { id: string; user_id: string; instance_id: string; roles: ModuleRoles; expires_at: Date }[] = await this.dataSource.query(
      `SELECT s.id, s.user_id, s.instance_id, u.roles, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.hash = $1 AND s.expires_at > now() AND u.status = 'active'`,
      [hash],
    );
    if (!row) return undefined;
    return {
      principal: { instanceId: row.instance_id, kind: 'session', userId: row.user_id, sessionId: row.id, roles: row.roles, scopes: sessionScopes(row.roles) },
      expiresAt: row.expires_at.toISOString(),
    };
  }

  private async verifyKey(hash: Buffer): Promise<VerifiedCredential | undefined> {
    const [key]: KeyMatch[] = await this.dataSource.query(
      `SELECT k.id, k.instance_id, k.kind, k.scopes, k.entities, k.owner_id, k.expires_at, o.status AS owner_status, o.roles AS owner_roles
         FROM key_secrets s JOIN api_keys k ON k.id = s.key_id LEFT JOIN users o ON o.id = k.owner_id
        WHERE s.hash = $1 AND k.status = 'active' AND (k.expires_at IS NULL OR k.expires_at > now())`,
      [hash],
    );
    if (!key) return undefined;
    // The owner's state is checked here too, so a downgrade refuses the key from its commit on.
    if (key.owner_id && key.owner_status !== 'active') return undefined;
    if (key.kind === 'personal' && !isAdminOfAnyModule(key.owner_roles ?? {})) return undefined;
    const principal: Principal = { instanceId: key.instance_id, kind: key.kind, keyId: key.id, scopes: key.scopes };
    if (key.kind === 'personal') Object.assign(principal, { userId: key.owner_id, roles: key.owner_roles });
    if (key.kind === 'data') principal.entities = key.entities ?? [];
    return { principal, ...(key.expires_at ? { expiresAt: key.expires_at.toISOString() } : {}) };
  }
}
