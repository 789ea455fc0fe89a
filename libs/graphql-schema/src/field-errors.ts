import type { GraphQLError } from 'graphql';
import type { FieldError } from '@tollgate/contracts';

/** A GraphQL error in the documented error shape: its message, and where in the document it is when graphql-js knows. */
export function fieldErrorOf(error: GraphQLError, field = 'query'): FieldError {
  const locations = error.locations?.map(({ line, column }) => ({ line, column }));
  return { field, message: error.message, ...(locations?.length ? { locations } : {}) };
}
