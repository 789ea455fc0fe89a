import { Module, type DynamicModule } from '@nestjs/common';
import { PrincipalAuthModule } from '@tollgate/auth';
import { databaseServiceImports } from '@tollgate/service-runtime';
import { AggregateHttpController } from './aggregate/aggregate.http.controller';
import { BatchHttpController } from './batch/batch.http.controller';
import { BatchTasks } from './batch/batch-tasks';
import { QUERY_CONFIG, type QueryConfig } from './config/query.config';
import { EntityCatalog } from './entity-types/entity-catalog';
import { EntityTypesHttpController } from './entity-types/entity-types.http.controller';
import { GraphqlHttpController } from './graphql/graphql.http.controller';
import { queryMigrations } from './migrations';
import { QueryExecutor } from './query/query-executor';
import { QueryHttpController } from './query/query.http.controller';
import { RecordReader } from './query/record-reader';
import { StreamSlots } from './query/stream-slots';
import { RecordStatistics } from './records/record-statistics';

@Module({})
export class AppModule {
  static forRoot(config: QueryConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...databaseServiceImports({ name: 'query', config, migrations: queryMigrations }),
        PrincipalAuthModule.forRoot(config.INTERNAL_SECRET),
      ],
      controllers: [EntityTypesHttpController, BatchHttpController, QueryHttpController, AggregateHttpController, GraphqlHttpController],
      providers: [{ provide: QUERY_CONFIG, useValue: config }, EntityCatalog, BatchTasks, RecordReader, StreamSlots, QueryExecutor, RecordStatistics],
    };
  }
}
