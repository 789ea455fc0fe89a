export * from './graphql-schema';
export * from './root-fields-read';
export * from './field-errors';
export * from './parse-document';
