import { Body, Controller, Param, Put } from '@nestjs/common';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { ApiException } from '@tollgate/service-runtime';
import { Clock } from '../../clock';
import { balanceOf, type Balance } from '../balance/balance';
import { assertManages } from '../caller-access';
import { CreditRuleError, decideChangePlan } from '../credit-account.decider';
import { CreditAccountWriter } from '../credit-account.writer';
import { ChangePlanDto } from './change-plan.dto';

@Controller('accounts')
export class ChangePlanHttpController {
  constructor(
    private readonly writer: CreditAccountWriter,
    private readonly clock: Clock,
  ) {}

  /** Creates or changes an instance's plan; answers the balance as committed (read-your-writes). */
  @Put(':instanceId')
  async changePlan(
    @CurrentPrincipal() principal: Principal,
    @Param('instanceId') instanceId: string,
    @Body() body: ChangePlanDto,
  ): Promise<Balance> {
    assertManages(principal, instanceId);
    try {
      const written = await this.writer.execute(instanceId, (state, _em, now) => decideChangePlan(state, body, now), principal.requestId);
      return balanceOf(written.state, this.clock.now());
    } catch (error) {
      if (error instanceof CreditRuleError) throw ApiException.validation([{ field: error.field, message: error.message }]);
      throw error;
    }
  }
}
