import { Module } from '@nestjs/common';
import { EntitiesHttpController } from './entities.http.controller';
import { EntityCatalogue } from './entity-catalogue';
import { GraphqlChecks } from './graphql-checks';
import { GraphqlHttpController } from './graphql.http.controller';
import { QueryBuilderHttpController } from './query-builder.http.controller';
import { QueryForwarding } from './query-forwarding';
import { QueryHttpController } from './query.http.controller';

/** Public routes of the query service: validated and metered here, served there. */
@Module({
  controllers: [QueryHttpController, EntitiesHttpController, QueryBuilderHttpController, GraphqlHttpController],
  providers: [EntityCatalogue, GraphqlChecks, QueryForwarding],
  exports: [EntityCatalogue],
})
export class QueryModule {}
