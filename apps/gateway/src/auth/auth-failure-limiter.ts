import { Inject, Injectable } from '@nestjs/common';
import ipaddr from 'ipaddr.js';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
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

/**
 * Counts failed authentications per client (see `clientOf`); past the limit the client gets 429
 * until the window ends. In memory, per gateway process: a flood's first brake. Console logins
 * are also counted per account and client by keys, the same for every gateway.
 */
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
    return ApiException.rateLimited('Too many failed authentications; retry later', state.msBeforeNext / 1000);
  }
}
