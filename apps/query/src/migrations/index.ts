import { eventSourcingMigrations } from '@tollgate/event-sourcing';
import { QueryTables1764100000000 } from './1764100000000-query-tables';
import { RecordIds1764700000000 } from './1764700000000-record-ids';
import { BatchIdempotency1764800000000 } from './1764800000000-batch-idempotency';
import { TaskRetention1764900000000 } from './1764900000000-task-retention';

/** In order. WARNING: never edit a migration that has shipped; add a new one. */
export const queryMigrations = [...eventSourcingMigrations, QueryTables1764100000000, RecordIds1764700000000, BatchIdempotency1764800000000, TaskRetention1764900000000];
