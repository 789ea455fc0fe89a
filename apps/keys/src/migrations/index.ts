import { eventSourcingMigrations } from '@tollgate/event-sourcing';
import { IdentityTables1764100000000 } from './1764100000000-identity-tables';

/** In order. WARNING: never edit a migration that has shipped; add a new one. */
export const keysMigrations = [...eventSourcingMigrations, IdentityTables1764100000000];
