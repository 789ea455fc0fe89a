import { eventSourcingMigrations } from '@tollgate/event-sourcing';
import { IdentityTables1764100000000 } from './1764100000000-identity-tables';
import { LoginFailures1764900000000 } from './login-failures';
import { SessionIds1764500000000 } from './session-ids';

/** In order. WARNING: never edit a migration that has shipped; add a new one. */
export const keysMigrations = [...eventSourcingMigrations, IdentityTables1764100000000, SessionIds1764500000000, LoginFailures1764900000000];
