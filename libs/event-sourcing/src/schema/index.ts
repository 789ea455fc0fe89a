import { EventSourcingTables1764000000000 } from './event-sourcing-tables';
import { OutboxWithoutNotify1764000000001 } from './outbox-without-notify';
import { OutboxAsQueue1764000000002 } from './outbox-as-queue';
import { OutboxKeepsItsPages1764300000000 } from './outbox-keeps-its-pages';

export { EventSourcingTables1764000000000, OUTBOX_CHANNEL } from './event-sourcing-tables';
export { OutboxWithoutNotify1764000000001 } from './outbox-without-notify';
export { OutboxAsQueue1764000000002 } from './outbox-as-queue';
export { OutboxKeepsItsPages1764300000000 } from './outbox-keeps-its-pages';

/** The kit's tables, in order; every event-sourced service lists these before its own migrations. */
export const eventSourcingMigrations = [
  EventSourcingTables1764000000000,
  OutboxWithoutNotify1764000000001,
  OutboxAsQueue1764000000002,
  OutboxKeepsItsPages1764300000000,
];
