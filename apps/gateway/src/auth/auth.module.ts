import { Global, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { CacheEvictionSubscriber } from './cache-eviction.subscriber';
import { CredentialGuard } from './credential.guard';
import { CredentialVerifier } from './credential-verifier';
import { CredentialWatch } from './credential-watch';
import { KeyUsageReporter } from './key-usage-reporter';
import { TRANSPORT_STRATEGY_PROVIDERS } from './strategies/transport.strategy';

/** Gateway authentication, global: features only put `@Authenticated()` on their controllers. */
@Global()
@Module({
  imports: [PassportModule.register({ session: false })],
  providers: [
    CredentialVerifier,
    CredentialWatch,
    KeyUsageReporter,
    AuthFailureLimiter,
    CredentialGuard,
    CacheEvictionSubscriber,
    ...TRANSPORT_STRATEGY_PROVIDERS,
  ],
  exports: [CredentialVerifier, CredentialWatch, CredentialGuard, AuthFailureLimiter, KeyUsageReporter],
})
export class AuthModule {}
