import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { callerInstance } from '../caller-access';
import { correlationIdOf, decideRefund } from '../credit-account.decider';
import { CreditAccountWriter } from '../credit-account.writer';
import { readCharges } from '../credit-ledger.projection';
import { countRefund } from '../credit-metrics';
import { RefundDto } from './refund.dto';

/**
 * Gives a failed request's credits back. Unknown or already refunded request ids change nothing,
 * unless the refund is `final`: then the request id is closed (charged or not), and a debit that
 * arrives later with it charges nothing.
 */
@Controller('refunds')
export class RefundHttpController {
  constructor(private readonly writer: CreditAccountWriter) {}

  @Post()
  @HttpCode(200)
  async refund(
    @CurrentPrincipal() principal: Principal,
    @Body() body: RefundDto,
  ): Promise<{ remaining: number; refunded: boolean; voided: boolean }> {
    const instanceId = callerInstance(principal);
    let charged = 0;
    const written = await this.writer.execute(instanceId, async (state, em, now) => {
      const charge = (await readCharges(em, instanceId, [body.requestId])).get(body.requestId);
      charged = charge?.cost ?? 0;
      return decideRefund(state, charge, body.requestId, now, body.final ?? false);
    }, correlationIdOf(body));
    if (written.result.refunded) countRefund(charged);
    return { remaining: written.state.remaining, ...written.result };
  }
}
