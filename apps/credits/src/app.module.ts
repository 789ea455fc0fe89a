import { Module, type DynamicModule } from '@nestjs/common';
import { PrincipalAuthModule } from '@tollgate/auth';
import { databaseServiceImports } from '@tollgate/service-runtime';
import { Clock, SystemClock } from './clock';
import { CREDITS_CONFIG, type CreditsConfig } from './config/credits.config';
import { CreditAccountsModule } from './credit-accounts/credit-accounts.module';
import { creditsMigrations } from './migrations';

@Module({})
export class AppModule {
  static forRoot(config: CreditsConfig, clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        ...databaseServiceImports({ name: 'credits', config, migrations: creditsMigrations }),
        PrincipalAuthModule.forRoot(config.INTERNAL_SECRET),
        CreditAccountsModule,
      ],
      providers: [
        { provide: CREDITS_CONFIG, useValue: config },
        { provide: Clock, useValue: clock },
      ],
      exports: [CREDITS_CONFIG, Clock],
    };
  }
}
