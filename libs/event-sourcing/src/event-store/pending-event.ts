import type { EventContract, EventData } from '@tollgate/contracts';

/** An event decided but not yet stored: the contract says its type, version and topic. */
export interface PendingEvent<D = unknown> {
  contract: EventContract<D>;
  data: D;
  /** The request behind this event, when one append holds events of several requests. */
  correlationId?: string;
}

/** Builds a pending event; the data type is checked against the contract at compile time. */
export function pendingEvent<C extends EventContract<any>>(contract: C, data: EventData<C>, options: { correlationId?: string } = {}): PendingEvent {
  return options.correlationId === undefined ? { contract, data } : { contract, data, correlationId: options.correlationId };
}
