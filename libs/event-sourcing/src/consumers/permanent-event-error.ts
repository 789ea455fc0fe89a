import { isDataException } from '../postgres/sql-state';

/**
 * Thrown by a handler when an event can never be applied (it contradicts the handler's rules).
 * The event goes to the dead-letter topic instead of being retried. Other errors are treated as
 * transient (database or broker down) and retried until they succeed, except those below.
 */
export class PermanentEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentEventError';
  }
}

/**
 * Whether retrying an event cannot help: the handler said so; PostgreSQL refused the event's
 * values as data (valid JSON, say, with a NUL in a string); or the event overflowed the stack or
 * an array's bounds. Retried, such an event would hold its partition, and every event after it
 * there, for ever.
 */
export function isPermanentFailure(error: unknown): boolean {
  return error instanceof PermanentEventError || error instanceof RangeError || isDataException(error);
}
