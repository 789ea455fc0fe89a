import { Inject, Injectable, Logger } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { Principal } from '@tollgate/auth';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { CredentialVerifier } from './credential-verifier';
import type { Standing } from './verification-cache';

interface Watched {
  principal: Principal;
  credential: string;
  refuse(): void;
}

/** With the cache off (TTL 0), evictions end answers at once and this bounds the calls to keys. */
const MIN_RECHECK_MS = 1_000;

/**
 * Answers that stay open, such as the live balance, were authenticated once, when they opened.
 * This ends them when their credential dies: at once when an eviction names its key or its user;
 * at the credential's own expiry; and, since such events can be lost, when a check with keys
 * refuses it. That check bypasses the cache and comes when the verification the answer stands on
 * is one AUTH_CACHE_TTL_MS old, as a cached one would expire: the promise is a dead key refused
 * within one TTL of keys having vouched for it. A check keys cannot answer ends the answer too:
 * it would otherwise stand unverified for good; its client reconnects and is authenticated anew.
 */
@Injectable()
export class CredentialWatch {
  private readonly logger = new Logger(CredentialWatch.name);
  private readonly watched = new Set<Watched>();
  private readonly recheckMs: number;

  constructor(
    private readonly verifier: CredentialVerifier,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.recheckMs = Math.max(config.AUTH_CACHE_TTL_MS, MIN_RECHECK_MS);
  }

  /** Emits once (then completes) when the credential behind `principal` is refused; watches while subscribed. */
  refusal(principal: Principal, credential: string, requestId: string): Observable<void> {
    return new Observable<void>((subscriber) => {
      let timer: NodeJS.Timeout | undefined;
      const watched: Watched = {
        principal,
        credential,
        refuse: () => {
          subscriber.next();
          subscriber.complete();
        },
      };
      const standOn = (standing: Standing) => {
        if (subscriber.closed) return;
        // Whichever comes first: its own expiry, or a TTL since keys vouched for it (a far expiry is
        // left to the checks before it, so no timer is ever set for longer than a TTL).
        const at = Math.min(standing.verifiedAt + this.recheckMs, standing.expiresAt ?? Infinity);
        const next = at === standing.expiresAt ? watched.refuse : () => void this.recheck(watched, credential, requestId, standOn);
        timer = setTimeout(next, Math.max(at - Date.now(), 0));
        timer.unref();
      };
      this.watched.add(watched);
      // The opening check's verification: a cached one, maybe nearly a TTL old; with none (the cache
      // off, or it just went), asked again shortly, which also learns the credential's expiry.
      standOn(this.verifier.standing(credential) ?? { verifiedAt: Date.now() - this.recheckMs + MIN_RECHECK_MS });
      return () => {
        clearTimeout(timer);
        this.watched.delete(watched);
      };
    });
  }

  /** The key was revoked or deactivated. Ids are watched as keys gives them out, in lower case, however a caller spelled the one that ended. */
  keyEnded(keyId: string): void {
    const id = keyId.toLowerCase();
    for (const w of this.watched) if (w.principal.keyId === id) w.refuse();
  }

  /** The credential itself was ended here (a session signed out): a user's other sessions go on. */
  credentialEnded(credential: string): void {
    for (const w of this.watched) if (w.credential === credential) w.refuse();
  }

  /** A session was signed out, here or through another gateway. */
  sessionEnded(sessionId: string): void {
    const id = sessionId.toLowerCase();
    for (const w of this.watched) if (w.principal.sessionId === id) w.refuse();
  }

  /**
   * The user was deactivated or downgraded: their keys stop working, and whether a session still
   * may is for a new authentication to say (a console's EventSource reconnects by itself).
   */
  userEnded(userId: string): void {
    const id = userId.toLowerCase();
    for (const w of this.watched) if (w.principal.userId === id) w.refuse();
  }

  private async recheck(watched: Watched, credential: string, requestId: string, standOn: (standing: Standing) => void): Promise<void> {
    try {
      const standing = await this.verifier.recheck(credential, requestId);
      if (standing) standOn(standing);
      else watched.refuse();
    } catch (error) {
      // Keys unavailable: a TTL has gone since keys last vouched for the credential, as long as any
      // gateway trusts an answer; the client reconnects and is authenticated anew.
      this.logger.warn({ err: (error as Error).message, requestId }, 'credential recheck failed; the answer ends');
      watched.refuse();
    }
  }
}
