import { Inject, Injectable, Logger } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { Principal } from '@tollgate/auth';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { CredentialVerifier } from './credential-verifier';

interface Watched {
  principal: Principal;
  credential: string;
  refuse(): void;
}

/** With the cache off (TTL 0), evictions end answers at once and this bounds the calls to keys. */
const MIN_RECHECK_MS = 1_000;

/**
 * Answers that stay open, such as the live balance, were authenticated once, when they opened.
 * This ends them when their credential dies: at once when an eviction names its key or its user,
 * and, since such events can be lost and sessions expire, after a check with keys every
 * AUTH_CACHE_TTL_MS that refuses it. That check bypasses the cache: a cached answer could be up to
 * one TTL old, and the promise is a dead key refused within one TTL.
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
      const watched: Watched = {
        principal,
        credential,
        refuse: () => {
          subscriber.next();
          subscriber.complete();
        },
      };
      this.watched.add(watched);
      const timer = setInterval(() => void this.recheck(watched, credential, requestId), this.recheckMs);
      timer.unref();
      return () => {
        clearInterval(timer);
        this.watched.delete(watched);
      };
    });
  }

  /** The key was revoked or deactivated. */
  keyEnded(keyId: string): void {
    for (const w of this.watched) if (w.principal.keyId === keyId) w.refuse();
  }

  /** The credential itself was ended here (a session signed out): a user's other sessions go on. */
  credentialEnded(credential: string): void {
    for (const w of this.watched) if (w.credential === credential) w.refuse();
  }

  /** A session was signed out, here or through another gateway. */
  sessionEnded(sessionId: string): void {
    for (const w of this.watched) if (w.principal.sessionId === sessionId) w.refuse();
  }

  /**
   * The user was deactivated or downgraded: their keys stop working, and whether a session still
   * may is for a new authentication to say (a console's EventSource reconnects by itself).
   */
  userEnded(userId: string): void {
    for (const w of this.watched) if (w.principal.userId === userId) w.refuse();
  }

  private async recheck(watched: Watched, credential: string, requestId: string): Promise<void> {
    try {
      if (!(await this.verifier.verify(credential, { operator: false, requestId, fresh: true, use: false }))) watched.refuse();
    } catch (error) {
      // Keys unavailable: not a refusal. The next check, or an eviction event, decides.
      this.logger.warn({ err: (error as Error).message, requestId }, 'credential recheck failed; the answer stays open');
    }
  }
}
