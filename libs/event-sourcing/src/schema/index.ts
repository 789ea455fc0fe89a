import { EventSourcingTables1764000000000 } from './event-sourcing-tables';
import { OutboxWithoutNotify1764000000001 } from './outbox-without-notify';

export { EventSourcingTables1764000000000, OUTBOX_CHANNEL } from './event-sourcing-tables';
export { OutboxWithoutNotify1764000000001 } from './outbox-without-notify';

/** The kit's tables, in order; every event-sourced service lists these before its own migrations. */
export const eventSourcingMigrations = [EventSourcingTables1764000000000, OutboxWithoutNotify1764000000001];
