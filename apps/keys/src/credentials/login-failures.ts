import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import { DataSource } from 'typeorm';
import { ApiException, metricsRegistry } from '@tollgate/service-runtime';
import { KEYS_CONFIG, type KeysConfig } from '../config/keys.config';

const refusedLogins = new Counter({
  name: 'tollgate_login_failures_total',
  help: 'Console logins refused, by outcome: failed (no such active account, or a wrong password) or limited (429: too many failures from that client)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

/**
 * Failed console logins per account and client (the address the gateway names: an IPv4 address or
 * an IPv6 /64). One client may not try more than a few passwords on one account, while the
 * account still signs in from anywhere else (no lockout an attacker could impose on its owner)
 * and the client may still sign in to other accounts. Whether the account exists changes
 * nothing. A successful login clears its count.
 *
 * Counted in this service's database, so every gateway and every keys process counts the same
 * attempts, and a restart forgets none of them.
 */
@Injectable()
export class LoginFailures {
  private readonly limiter: RateLimiterPostgres;

  constructor(dataSource: DataSource, @Inject(KEYS_CONFIG) config: Pick<KeysConfig, 'LOGIN_FAILURE_LIMIT' | 'LOGIN_FAILURE_WINDOW_S'>) {
    this.limiter = new RateLimiterPostgres({
      storeClient: dataSource,
      storeType: 'typeorm',
      tableName: 'login_failures', // made by the migrations
      tableCreated: true,
      keyPrefix: 'login',
      points: config.LOGIN_FAILURE_LIMIT,
      duration: config.LOGIN_FAILURE_WINDOW_S,
    });
  }

  /** Throws 429 once the attempt's account has failed its limit from this client within the window. */
  async assertAllowed(attempt: LoginAttempt): Promise<void> {
    const state = await this.limiter.get(digest(attempt));
    if (state && state.consumedPoints >= this.limiter.points) {
      refusedLogins.inc({ outcome: 'limited' });
      throw ApiException.rateLimited('Too many failed logins; retry later', state.msBeforeNext / 1000);
    }
  }

  async recordFailure(attempt: LoginAttempt): Promise<void> {
    refusedLogins.inc({ outcome: 'failed' });
    await this.limiter.penalty(digest(attempt), 1);
  }

  async recordSuccess(attempt: LoginAttempt): Promise<void> {
    await this.limiter.delete(digest(attempt));
  }
}

export interface LoginAttempt {
  instanceId: string;
  email: string;
  client: string;
}

/** The account as a login finds it (instance and email in any case, the email composed), from one client; stored as a digest. */
const digest = ({ instanceId, email, client }: LoginAttempt): string =>
  createHash('sha256').update([instanceId.toLowerCase(), email.normalize('NFC').toLowerCase(), client].join('\u0000')).digest('hex');
