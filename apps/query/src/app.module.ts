import { Module, type DynamicModule } from '@nestjs/common';
import { PrincipalAuthModule } from '@tollgate/auth';
import { databaseServiceImports } from '@tollgate/service-runtime';
import type { QueryConfig } from './config/query.config';
import { queryMigrations } from './migrations';

@Module({})
export class AppModule {
  static forRoot(config: QueryConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...databaseServiceImports({ name: 'query', config, migrations: queryMigrations }),
        PrincipalAuthModule.forRoot(config.INTERNAL_SECRET),
      ],
    };
  }
}
