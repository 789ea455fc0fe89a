import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { callerInstance } from '../caller-access';
import { decideRefund, type KnownCharge } from '../credit-account.decider';
import { CreditAccountWriter } from '../credit-account.writer';
import { RefundDto } from './refund.dto';

/** Gives a failed request's credits back. Unknown or already refunded request ids change nothing. */
@Controller('refunds')
export class RefundHttpController {
  constructor(private readonly writer: CreditAccountWriter) {}

  @Post()
  @HttpCode(200)
  async refund(@CurrentPrincipal() principal: Principal, @Body() body: RefundDto): Promise<{ remaining: number; refunded: boolean }> {
    const instanceId = callerInstance(principal);
    const written = await this.writer.execute(instanceId, async (state, em, now) => {
      const rows: { cost: number; day: string; refunded: boolean }[] = await em.query(
        `SELECT cost, day, refunded_at IS NOT NULL AS refunded FROM credit_charges WHERE instance_id = $1 AND request_id = $2`,
        [instanceId, body.requestId],
      );
      const charge: KnownCharge | undefined = rows[0];
      return decideRefund(state, charge, body.requestId, now);
    });
    return { remaining: written.state.remaining, refunded: written.result };
  }
}
