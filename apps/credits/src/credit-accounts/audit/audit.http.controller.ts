import { Controller, Get, Param, Query } from '@nestjs/common';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { assertManages } from '../caller-access';
import { AuditQueryDto } from './audit.dto';
import { LedgerAuditor, type LedgerAudit } from './ledger-audit';

@Controller('accounts')
export class AuditHttpController {
  constructor(private readonly auditor: LedgerAuditor) {}

  /** Operator check: allowance - consumed + refunded = remaining for one instance and day (default: today's pool). */
  @Get(':instanceId/audit')
  audit(
    @CurrentPrincipal() principal: Principal,
    @Param('instanceId') instanceId: string,
    @Query() query: AuditQueryDto,
  ): Promise<LedgerAudit> {
    assertManages(principal, instanceId);
    return this.auditor.audit(instanceId, query.day);
  }
}
