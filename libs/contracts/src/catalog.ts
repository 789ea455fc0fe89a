import * as events from './events';
import { EventCatalog } from './event-catalog';
import type { EventContract } from './event-contract';

const isContract = (value: unknown): value is EventContract =>
  typeof value === 'object' && value !== null && 'dataClass' in value && 'topic' in value;

/** Every event Tollgate publishes, found by scanning the events folder's exports. */
export const ALL_EVENTS: readonly EventContract[] = (Object.values(events) as unknown[]).filter(isContract);

export const tollgateCatalog = new EventCatalog(ALL_EVENTS);
