import { Controller, Get } from '@nestjs/common';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { callerInstance } from '../caller-access';
import type { Balance } from './balance';
import { BalanceService } from './balance.service';

@Controller()
export class BalanceHttpController {
  constructor(private readonly balances: BalanceService) {}

  @Get('balance')
  balance(@CurrentPrincipal() principal: Principal): Promise<Balance> {
    return this.balances.balance(callerInstance(principal));
  }
}
