// Request bodies of the query API: validated by the gateway and again by the query service.
export * from './aggregate.dto';
export * from './batch.dto';
export * from './define-entity-type.dto';
export * from './graphql-request.dto';
export * from './list-tasks.dto';
export * from './query-limits';
export * from './record-fields';
export * from './values';
export * from './aggregate-check';
