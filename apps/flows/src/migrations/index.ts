import { eventSourcingMigrations } from '@tollgate/event-sourcing';
import { FlowsTables1764200000000 } from './1764200000000-flows-tables';

/** In order. WARNING: never edit a migration that has shipped; add a new one. */
export const flowsMigrations = [...eventSourcingMigrations, FlowsTables1764200000000];
