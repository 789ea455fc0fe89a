import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ErrorCode } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';

/** Counts failed authentications per client address; past the limit the address gets 429 until the window ends. */
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
    const state = await this.limiter.get(address);
    if (state && state.remainingPoints <= 0 && state.consumedPoints > this.limiter.points) throw this.limited(state);
  }

  /** Records one failure; throws 429 when this failure goes over the limit. */
  async recordFailure(address: string): Promise<void> {
    try {
      await this.limiter.consume(address);
    } catch (error) {
      if (error instanceof RateLimiterRes) throw this.limited(error);
      throw error;
    }
  }

  private limited(state: RateLimiterRes): ApiException {
    const retryAfter = Math.max(1, Math.ceil(state.msBeforeNext / 1000));
    return new ApiException(ErrorCode.RateLimited, 'Too many failed authentications; retry later', {
      headers: { 'Retry-After': String(retryAfter) },
    });
  }
}
