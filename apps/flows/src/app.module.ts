import { Module, type DynamicModule } from '@nestjs/common';
import { PrincipalAuthModule } from '@tollgate/auth';
import { databaseServiceImports } from '@tollgate/service-runtime';
import type { FlowsConfig } from './config/flows.config';
import { flowsMigrations } from './migrations';

@Module({})
export class AppModule {
  static forRoot(config: FlowsConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...databaseServiceImports({ name: 'flows', config, migrations: flowsMigrations }),
        PrincipalAuthModule.forRoot(config.INTERNAL_SECRET),
      ],
    };
  }
}
