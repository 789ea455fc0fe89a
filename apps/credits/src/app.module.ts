import { Module, type DynamicModule } from '@nestjs/common';
import { PrincipalAuthModule } from '@tollgate/auth';
import { databaseServiceImports } from '@tollgate/service-runtime';
import type { CreditsConfig } from './config/credits.config';
import { creditsMigrations } from './migrations';

@Module({})
export class AppModule {
  static forRoot(config: CreditsConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...databaseServiceImports({ name: 'credits', config, migrations: creditsMigrations }),
        PrincipalAuthModule.forRoot(config.INTERNAL_SECRET),
      ],
    };
  }
}
