export * from './graphql-schema';
