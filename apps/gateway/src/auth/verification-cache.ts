import type { Principal } from '@tollgate/auth';

interface Entry {
  principal: Principal;
  expiresAt: number;
  /** When the look-up that vouched for it began. */
  verifiedAt: number;
  credentialExpiresAt?: number;
}

/** What a cached verification says of its credential: when keys last vouched for it, and until when it is valid at most. */
export interface Standing {
  verifiedAt: number;
  expiresAt?: number;
}

/**
 * Verified credentials, keyed by a digest of the credential. Entries live at most `ttlMs` from when
 * their look-up began (so neither a lost eviction event nor a slow keys service can keep a dead key
 * alive longer) and never past the key's own expiry. An eviction, and a credential forgotten here,
 * also leave a tombstone for `ttlMs`, so a verification answer that was already in flight when the
 * key died is not cached afterwards.
 */
export class VerificationCache {
  private readonly entries = new Map<string, Entry>();
  private readonly byKey = new Map<string, Set<string>>();
  private readonly byUser = new Map<string, Set<string>>();
  private readonly bySession = new Map<string, Set<string>>();
  private readonly byInstance = new Map<string, Set<string>>();
  private readonly tombstones = new Map<string, number>();
  /** Off until evictions can be heard: before that, every check asks keys. */
  private active = false;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly settleMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Called once eviction events are being consumed; `false` empties the cache and stops filling it. */
  setActive(active: boolean): void {
    this.active = active;
    if (!active) for (const digest of [...this.entries.keys()]) this.remove(digest);
  }

  get(digest: string): Principal | undefined {
    const entry = this.entries.get(digest);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.remove(digest);
      return undefined;
    }
    return entry.principal;
  }

  /** For answers that stay open: when the cached verification of `digest` began, and the credential's own expiry. */
  standing(digest: string): Standing | undefined {
    if (!this.get(digest)) return undefined;
    const { verifiedAt, credentialExpiresAt } = this.entries.get(digest) as Entry;
    return credentialExpiresAt === undefined ? { verifiedAt } : { verifiedAt, expiresAt: credentialExpiresAt };
  }

  /**
   * Caches unless the credential was forgotten, or its key or user evicted, since `verifiedSince`
   * (when the look-up began), or the key or user within the last `settleMs`: a user's downgrade
   * reaches the gateway before keys has deactivated their keys, so answers in between are asked
   * again rather than trusted for a whole TTL. The TTL counts from `verifiedSince` too: keys
   * vouched for the credential as of then, however long its answer took.
   */
  set(digest: string, principal: Principal, verifiedSince: number, credentialExpiresAt?: number): void {
    if (this.ttlMs === 0 || !this.active) return;
    const forgottenAt = this.tombstones.get(`credential:${digest}`);
    if (forgottenAt !== undefined && forgottenAt >= verifiedSince) return;
    const settled = this.now() - this.settleMs;
    for (const id of this.idsOf(principal)) {
      const evictedAt = this.tombstones.get(id);
      if (evictedAt !== undefined && (evictedAt >= verifiedSince || evictedAt >= settled)) return;
    }
    const expiresAt = Math.min(verifiedSince + this.ttlMs, credentialExpiresAt ?? Infinity);
    this.remove(digest);
    if (expiresAt <= this.now()) return;
    while (this.entries.size >= this.maxEntries) this.remove(this.entries.keys().next().value as string);
    this.entries.set(digest, { principal, expiresAt, verifiedAt: verifiedSince, ...(credentialExpiresAt === undefined ? {} : { credentialExpiresAt }) });
    if (principal.keyId) this.index(this.byKey, principal.keyId, digest);
    if (principal.userId) this.index(this.byUser, principal.userId, digest);
    if (principal.sessionId) this.index(this.bySession, principal.sessionId, digest);
    this.index(this.byInstance, principal.instanceId, digest);
  }

  /**
   * One credential no longer stands (its session was ended here): asked again next time it shows
   * up, and an answer about it that was in flight meanwhile is not cached.
   */
  forget(digest: string): void {
    const now = this.now();
    this.tombstones.set(`credential:${digest}`, now);
    this.remove(digest);
    this.pruneTombstones(now);
  }

  /** Ids are cached as keys gives them out, in lower case, however a caller spelled the one to evict. */
  evictKey(keyId: string): void {
    const id = keyId.toLowerCase();
    this.evict(this.byKey, id, `key:${id}`);
  }

  evictUser(userId: string): void {
    const id = userId.toLowerCase();
    this.evict(this.byUser, id, `user:${id}`);
  }

  /** A console session was signed out, maybe through another gateway. */
  evictSession(sessionId: string): void {
    const id = sessionId.toLowerCase();
    this.evict(this.bySession, id, `session:${id}`);
  }

  /**
   * The instance itself changed (its time zone, which principals carry): every credential of it is
   * asked again next time it shows up.
   */
  evictInstance(instanceId: string): void {
    this.evict(this.byInstance, instanceId, `instance:${instanceId}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** How many keys, users, sessions and instances the eviction indexes hold (each for some live entry). */
  get indexedIds(): number {
    return this.byKey.size + this.byUser.size + this.bySession.size + this.byInstance.size;
  }

  private idsOf(principal: Principal): string[] {
    const ids: string[] = [];
    if (principal.keyId) ids.push(`key:${principal.keyId}`);
    if (principal.userId) ids.push(`user:${principal.userId}`);
    if (principal.sessionId) ids.push(`session:${principal.sessionId}`);
    ids.push(`instance:${principal.instanceId}`);
    return ids;
  }

  private evict(index: Map<string, Set<string>>, id: string, tombstone: string): void {
    const now = this.now();
    this.tombstones.set(tombstone, now);
    for (const digest of index.get(id) ?? []) this.remove(digest);
    index.delete(id);
    this.pruneTombstones(now);
  }

  private pruneTombstones(now: number): void {
    if (this.tombstones.size < 1000) return;
    for (const [id, at] of this.tombstones) if (at < now - Math.max(this.ttlMs, this.settleMs)) this.tombstones.delete(id);
  }

  private index(index: Map<string, Set<string>>, id: string, digest: string): void {
    const set = index.get(id) ?? new Set<string>();
    set.add(digest);
    index.set(id, set);
  }

  /** An id whose last entry went is dropped from its index: sessions and keys come and go, and would pile up. */
  private unindex(index: Map<string, Set<string>>, id: string, digest: string): void {
    const set = index.get(id);
    if (!set) return;
    set.delete(digest);
    if (set.size === 0) index.delete(id);
  }

  private remove(digest: string): void {
    const entry = this.entries.get(digest);
    if (!entry) return;
    this.entries.delete(digest);
    const { keyId, userId, sessionId, instanceId } = entry.principal;
    if (keyId) this.unindex(this.byKey, keyId, digest);
    if (userId) this.unindex(this.byUser, userId, digest);
    if (sessionId) this.unindex(this.bySession, sessionId, digest);
    this.unindex(this.byInstance, instanceId, digest);
  }
}
