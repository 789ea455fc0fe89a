import { Module } from '@nestjs/common';
import { AuditHttpController } from './audit/audit.http.controller';
import { LedgerAuditor } from './audit/ledger-audit';
import { BalanceHttpController } from './balance/balance.http.controller';
import { BalanceService } from './balance/balance.service';
import { ChangePlanHttpController } from './change-plan/change-plan.http.controller';
import { CreditAccountWriter } from './credit-account.writer';
import { CreditLedgerProjection } from './credit-ledger.projection';
import { DebitHttpController } from './debit/debit.http.controller';
import { DebitQueue } from './debit-queue';
import { RefundHttpController } from './refund/refund.http.controller';
import { ResetScheduler } from './reset/reset-scheduler';
import { UsageHttpController } from './usage/usage.http.controller';

@Module({
  controllers: [
    ChangePlanHttpController,
    BalanceHttpController,
    DebitHttpController,
    RefundHttpController,
    AuditHttpController,
    UsageHttpController,
  ],
  providers: [CreditLedgerProjection, CreditAccountWriter, DebitQueue, BalanceService, LedgerAuditor, ResetScheduler],
  exports: [DebitQueue, CreditAccountWriter, BalanceService, LedgerAuditor, ResetScheduler],
})
export class CreditAccountsModule {}
