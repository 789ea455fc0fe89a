import { hash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { parseCredential, type Principal } from '@tollgate/auth';
import { ErrorCode, KEY_SCOPES } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ServiceClients } from '../downstream/service-clients';
import { KeyUsageReporter } from './key-usage-reporter';
import { VerificationCache, type Standing } from './verification-cache';

export interface VerifiedCredential {
  principal: Principal;
  expiresAt?: string;
}

const VERIFIER: Principal = { instanceId: '', kind: 'system', scopes: [] };

/** A credential's key in the verification cache: the cache never holds a credential itself. */
export const credentialDigest = (credential: string): string => hash('sha256', credential, 'base64url');

/**
 * Turns a presented credential into a principal. Malformed credentials and bad checksums are
 * refused locally; known ones come from the cache; only the rest cost a call to keys.
 */
@Injectable()
export class CredentialVerifier {
  readonly cache: VerificationCache;
  private readonly operatorToken: Buffer;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly clients: ServiceClients,
    private readonly usage: KeyUsageReporter,
  ) {
    this.cache = new VerificationCache(config.AUTH_CACHE_TTL_MS, config.AUTH_CACHE_MAX_ENTRIES);
    this.operatorToken = Buffer.from(config.OPERATOR_TOKEN);
  }

  async verify(credential: string, options: { operator: boolean; requestId: string }): Promise<Principal | undefined> {
    if (options.operator && this.isOperatorToken(credential)) {
      return { instanceId: '', kind: 'operator', scopes: [...KEY_SCOPES] };
    }
    // A cached digest was verified before, so its checksum need not be checked again.
    const principal = this.cache.get(credentialDigest(credential)) ?? (await this.askKeys(credential, options.requestId))?.principal;
    if (principal?.keyId) this.usage.record(principal);
    return principal;
  }

  /** When keys last vouched for a credential this gateway knows, and until when it is valid at most; undefined when it has none. */
  standing(credential: string): Standing | undefined {
    return this.cache.standing(credentialDigest(credential));
  }

  /**
   * Asks keys again, whatever the cache knows (a check that must not trust it for another TTL), on
   * the gateway's own account (an open answer's recheck), which is not a use of the key to report.
   */
  async recheck(credential: string, requestId: string): Promise<Standing | undefined> {
    return (await this.askKeys(credential, requestId))?.standing;
  }

  /** Drops what this gateway remembers of a credential, so its next use is checked with keys. */
  forget(credential: string): void {
    this.cache.forget(credentialDigest(credential));
  }

  /** Compared in constant time. */
  isOperatorToken(credential: string): boolean {
    const presented = Buffer.from(credential);
    return presented.length === this.operatorToken.length && timingSafeEqual(presented, this.operatorToken);
  }

  /** Keys' answer, cached as of when the question was asked. */
  private async askKeys(credential: string, requestId: string): Promise<{ principal: Principal; standing: Standing } | undefined> {
    if (!parseCredential(credential)) return undefined;
    const verifiedAt = Date.now();
    const verified = await this.lookUp(credential, requestId);
    if (!verified) return undefined;
    const expiresAt = verified.expiresAt ? Date.parse(verified.expiresAt) : undefined;
    this.cache.set(credentialDigest(credential), verified.principal, verifiedAt, expiresAt);
    return { principal: verified.principal, standing: expiresAt === undefined ? { verifiedAt } : { verifiedAt, expiresAt } };
  }

  private async lookUp(credential: string, requestId: string): Promise<VerifiedCredential | undefined> {
    const res = await this.clients.keys.request({
      method: 'POST',
      path: '/credentials/verify',
      principal: VERIFIER,
      requestId,
      body: { credential },
    });
    const text = await res.body.text();
    if (res.status === 200) return JSON.parse(text) as VerifiedCredential;
    if (res.status === 401) return undefined;
    throw new ApiException(ErrorCode.Unavailable, 'The keys service is unavailable');
  }
}
