import { eventSourcingMigrations } from '@tollgate/event-sourcing';
import { ChargeVoids1764400000000 } from './charge-voids';
import { CreditLedgerTables1764100000000 } from './credit-ledger-tables';
import { PlanVersions1764900000000 } from './plan-versions';
import { AccountPlans1765000000000 } from './account-plans';

/** In order. WARNING: never edit a migration that has shipped; add a new one. */
export const creditsMigrations = [...eventSourcingMigrations, CreditLedgerTables1764100000000, ChargeVoids1764400000000, PlanVersions1764900000000, AccountPlans1765000000000];
