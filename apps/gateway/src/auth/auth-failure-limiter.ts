import { Inject, Injectable } from '@nestjs/common';
import ipaddr from 'ipaddr.js';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ErrorCode } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';

/**
 * The client an address stands for: an IPv4 address (one written as IPv6 too), or an IPv6
 * address's /64, since a subscriber is given a whole /64 and could take a new address in it for
 * every attempt.
 */
export function clientOf(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${parsed.toString()}/64`).toString()}/64`;
}

/** Counts failed authentications per client (see `clientOf`); past the limit the client gets 429 until the window ends. */
@Injectable()
export class AuthFailureLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.limiter = new RateLimiterMemory({
      keyPrefix: 'auth-failures',
      points: config.AUTH_FAILURE_LIMIT,
      duration: config.AUTH_FAILURE_WINDOW_S,
    });
  }

  /** Throws 429 while the address is over its limit. */
  async assertAllowed(address: string): Promise<void> {
    const state = await this.limiter.get(clientOf(address));
    if (state && state.remainingPoints <= 0 && state.consumedPoints > this.limiter.points) throw this.limited(state);
  }

  /** Records one failure; throws 429 when this failure goes over the limit. */
  async recordFailure(address: string): Promise<void> {
    try {
      await this.limiter.consume(clientOf(address));
    } catch (error) {
      if (error instanceof RateLimiterRes) throw this.limited(error);
      throw error;
    }
  }

  private limited(state: RateLimiterRes): ApiException {
    return rateLimited(state, 'Too many failed authentications; retry later');
  }
}

function rateLimited(state: RateLimiterRes, message: string): ApiException {
  const retryAfter = Math.max(1, Math.ceil(state.msBeforeNext / 1000));
  return new ApiException(ErrorCode.RateLimited, message, { headers: { 'Retry-After': String(retryAfter) } });
}

/** The account a console login names, as keys finds it (instance and email in any case), from one client. */
export const loginAttempt = (instance: string, email: string, address: string): string =>
  [instance.toLowerCase(), email.normalize('NFC').toLowerCase(), clientOf(address)].join('\u0000');

/**
 * Failed console logins per account and client address. The address limit alone lets one address
 * try a hundred passwords a minute on one account; this stops it after a few, while the account
 * still signs in from anywhere else (no lockout an attacker could impose on its owner) and the
 * address may still sign in to other accounts. Whether the account exists changes nothing. A
 * successful login clears its count. Counted per gateway process.
 */
@Injectable()
export class LoginFailureLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.limiter = new RateLimiterMemory({
      keyPrefix: 'login-failures',
      points: config.LOGIN_FAILURE_LIMIT,
      duration: config.LOGIN_FAILURE_WINDOW_S,
    });
  }

  /** Throws 429 once the attempt's account has failed its limit from this address within the window. */
  async assertAllowed(attempt: string): Promise<void> {
    const state = await this.limiter.get(attempt);
    if (state && state.consumedPoints >= this.limiter.points) throw rateLimited(state, 'Too many failed logins; retry later');
  }

  async recordFailure(attempt: string): Promise<void> {
    await this.limiter.penalty(attempt, 1);
  }

  async recordSuccess(attempt: string): Promise<void> {
    await this.limiter.delete(attempt);
  }
}
