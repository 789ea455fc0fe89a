import { eventSourcingMigrations } from '@tollgate/event-sourcing';
import { FlowsTables1764200000000 } from './1764200000000-flows-tables';
import { RunLeasesByOwner1764400000000 } from './1764400000000-run-leases-by-owner';
import { IdempotencyKeysByAge1764400000001 } from './1764400000001-idempotency-keys-by-age';
import { IdempotencyFingerprints1764600000000 } from './1764600000000-idempotency-fingerprints';

/** In order. WARNING: never edit a migration that has shipped; add a new one. */
export const flowsMigrations = [...eventSourcingMigrations, FlowsTables1764200000000, RunLeasesByOwner1764400000000, IdempotencyKeysByAge1764400000001, IdempotencyFingerprints1764600000000];
