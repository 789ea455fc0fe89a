import { EventSourcingTables1764000000000 } from '@tollgate/event-sourcing';

/** In order. WARNING: never edit a migration that has shipped; add a new one. */
export const keysMigrations = [EventSourcingTables1764000000000];
