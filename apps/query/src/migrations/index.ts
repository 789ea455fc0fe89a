import { eventSourcingMigrations } from '@tollgate/event-sourcing';
import { QueryTables1764100000000 } from './1764100000000-query-tables';

/** In order. WARNING: never edit a migration that has shipped; add a new one. */
export const queryMigrations = [...eventSourcingMigrations, QueryTables1764100000000];
