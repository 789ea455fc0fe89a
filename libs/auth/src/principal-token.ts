import { SignJWT, jwtVerify } from 'jose';
import type { Principal } from './principal';

const ISSUER = 'tollgate-gateway';
const AUDIENCE = 'tollgate-services';

/**
 * Signs and verifies the short-lived token the gateway forwards with each request (HS256 with
 * INTERNAL_SECRET). A token is valid for seconds: long enough for one request, too short to replay.
 */
export class PrincipalTokens {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly ttlSeconds = 60,
  ) {
    if (Buffer.byteLength(secret) < 32) throw new Error('INTERNAL_SECRET must be at least 32 bytes');
    this.key = new TextEncoder().encode(secret);
  }

  sign(principal: Principal): Promise<string> {
    return new SignJWT({ p: principal })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  /** The principal, or undefined for anything forged, expired or malformed. */
  async verify(token: string | undefined): Promise<Principal | undefined> {
    if (!token) return undefined;
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
      const p = payload.p as Principal | undefined;
      return p && typeof p.instanceId === 'string' && typeof p.kind === 'string' ? p : undefined;
    } catch {
      return undefined;
    }
  }
}
