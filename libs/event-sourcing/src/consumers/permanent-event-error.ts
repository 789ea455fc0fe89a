/**
 * Thrown by a handler when an event can never be applied (it contradicts the handler's rules).
 * The event goes to the dead-letter topic instead of being retried. Any other error is treated
 * as transient (database or broker down) and retried until it succeeds.
 */
export class PermanentEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentEventError';
  }
}
