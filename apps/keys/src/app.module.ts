import { Module, type DynamicModule } from '@nestjs/common';
import { PrincipalAuthModule } from '@tollgate/auth';
import { databaseServiceImports } from '@tollgate/service-runtime';
import type { KeysConfig } from './config/keys.config';
import { keysMigrations } from './migrations';

@Module({})
export class AppModule {
  static forRoot(config: KeysConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...databaseServiceImports({ name: 'keys', config, migrations: keysMigrations }),
        PrincipalAuthModule.forRoot(config.INTERNAL_SECRET),
      ],
    };
  }
}
