import { Injectable, type Type } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import type { Principal } from '@tollgate/auth';
import { CredentialVerifier } from '../credential-verifier';
import { CREDENTIAL_TRANSPORTS } from '../credential-transports';
import type { AuthOptions } from '../authenticated.decorator';

export const MISSING = 'missing';
export const INVALID = 'invalid';

export type AuthRequest = FastifyRequest & { principal?: Principal; tollgateAuth?: AuthOptions };

/** The credential each request was authenticated with; off the request object, so nothing logs it. */
const presented = new WeakMap<FastifyRequest, string>();

/** The credential that authenticated `request`, for answers that outlive it and must check it again. */
export function presentedCredential(request: FastifyRequest): string | undefined {
  return presented.get(request);
}

/** One passport strategy per transport: it finds the credential where its transport puts it, and verifies it. */
function transportStrategy(name: string): Type<unknown> {
  const extract = CREDENTIAL_TRANSPORTS[name];

  @Injectable()
  class TransportStrategy extends PassportStrategy(Strategy, name) {
    constructor(private readonly verifier: CredentialVerifier) {
      super();
    }

    async validate(request: AuthRequest): Promise<[Principal] | [false, string]> {
      const credential = extract(request);
      if (credential === undefined) return [false, MISSING];
      const principal = await this.verifier.verify(credential, {
        // The operator token travels only in the Authorization header: in a URL or a form it
        // would end up in browser histories, proxy logs and referrers.
        operator: name === 'bearer' && Boolean(request.tollgateAuth?.operator || request.tollgateAuth?.operatorOnly),
        requestId: String(request.id),
      });
      if (!principal) return [false, INVALID];
      if (name === 'query-token' && principal.kind === 'session' && !request.tollgateAuth?.sessionInUrl) return [false, INVALID];
      presented.set(request, credential);
      return [principal];
    }
  }
  Object.defineProperty(TransportStrategy, 'name', { value: `${name}-strategy` });
  return TransportStrategy;
}

export const TRANSPORT_STRATEGY_PROVIDERS = Object.keys(CREDENTIAL_TRANSPORTS).map(transportStrategy);
