import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { callerInstance } from '../caller-access';
import { correlationIdOf, decideRefund } from '../credit-account.decider';
import { CreditAccountWriter } from '../credit-account.writer';
import { readCharges } from '../credit-ledger.projection';
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
    const written = await this.writer.execute(instanceId, async (state, em, now) => {
      const known = await readCharges(em, instanceId, [body.requestId]);
      return decideRefund(state, known.get(body.requestId), body.requestId, now, body.final ?? false);
    }, correlationIdOf(body));
    return { remaining: written.state.remaining, ...written.result };
  }
}
