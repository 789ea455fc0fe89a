import { SignJWT, jwtVerify } from 'jose';
import type { Principal } from './principal';

const ISSUER = 'tollgate-gateway';
const AUDIENCE = 'tollgate-services';
/** Bounds each cache; past it the oldest entries go first. */
const MAX_CACHED = 10_000;

interface Signed {
  token: string;
  /** Epoch ms after which the token is not handed out again (half its lifetime). */
  reuseUntil: number;
}

interface Verified {
  principal: Principal;
  /** Epoch ms at which the token expires. */
  expiresAt: number;
}

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
}

/**
 * Signs and verifies the short-lived token the gateway forwards with each request (HS256 with
 * INTERNAL_SECRET). A token is valid for seconds and says who is calling; which request it is
 * travels beside it in `x-request-id`.
 *
 * Both ends cache, since the same caller sends request after request: the gateway hands out one
 * principal's token until half its lifetime has passed (`tokenFor`), and a service remembers a
 * token it has verified until it expires. Signing and verifying cost more than the rest of a
 * small request's routing. A cached token is worth no more than a fresh one: any token could
 * already be presented again until it expired.
 */
export class PrincipalTokens {
  private readonly key: Uint8Array;
  private readonly signed = new Map<string, Signed>();
  private readonly verified = new Map<string, Verified>();

  constructor(
    secret: string,
    private readonly ttlSeconds = 60,
  ) {
    if (Buffer.byteLength(secret) < 32) throw new Error('INTERNAL_SECRET must be at least 32 bytes');
    this.key = new TextEncoder().encode(secret);
  }

  /** A fresh token for this principal. */
  sign(principal: Principal): Promise<string> {
    return new SignJWT({ p: principal })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  /**
   * The token to forward for this principal (without its request id, which goes in a header of
   * its own): the same one until half its lifetime has passed, so it always has at least half left.
   */
  async tokenFor(principal: Principal): Promise<string> {
    const { requestId: _requestId, ...who } = principal;
    const cacheKey = JSON.stringify(who);
    const now = Date.now();
    const cached = this.signed.get(cacheKey);
    if (cached && now < cached.reuseUntil) return cached.token;
    const token = await this.sign(who);
    remember(this.signed, cacheKey, { token, reuseUntil: now + (this.ttlSeconds * 1000) / 2 });
    return token;
  }

  /** The principal, or undefined for anything forged, expired or malformed. */
  async verify(token: string | undefined): Promise<Principal | undefined> {
    if (!token) return undefined;
    const cached = this.verified.get(token);
    if (cached) {
      if (Date.now() < cached.expiresAt) return cached.principal;
      this.verified.delete(token);
    }
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
      const p = payload.p as Principal | undefined;
      if (!p || typeof p.instanceId !== 'string' || typeof p.kind !== 'string') return undefined;
      // Shared by every request that presents this token: nobody may change it for the next one.
      for (const part of [p.scopes, p.entities, p.roles]) if (part) Object.freeze(part);
      const principal = Object.freeze(p);
      if (typeof payload.exp === 'number') remember(this.verified, token, { principal, expiresAt: payload.exp * 1000 });
      return principal;
    } catch {
      return undefined;
    }
  }
}
