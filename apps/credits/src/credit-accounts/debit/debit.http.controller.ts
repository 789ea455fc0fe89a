import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { ErrorCode, type DebitRequest, type DebitResult } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { callerInstance } from '../caller-access';
import { countDebits } from '../credit-metrics';
import { DebitQueue } from '../debit-queue';
import { DebitBatchDto, DebitDto } from './debit.dto';

const toRequest = (d: DebitDto, principal: Principal): DebitRequest => ({
  requestId: d.requestId,
  ...(d.correlationId ? { correlationId: d.correlationId } : {}),
  cost: d.cost,
  entities: d.entities,
  ...((d.keyId ?? principal.keyId) ? { keyId: d.keyId ?? principal.keyId } : {}),
  ...((d.userId ?? principal.userId) ? { userId: d.userId ?? principal.userId } : {}),
});

/** Debits the caller's instance pool. Idempotent by request id. */
@Controller('debits')
export class DebitHttpController {
  constructor(private readonly queue: DebitQueue) {}

  @Post()
  @HttpCode(200)
  async debit(@CurrentPrincipal() principal: Principal, @Body() body: DebitDto): Promise<{ cost: number; remaining: number }> {
    const [result] = await this.queue.debit(callerInstance(principal), [toRequest(body, principal)]);
    countDebits([result]);
    if (result.outcome === 'exhausted') {
      throw new ApiException(ErrorCode.CreditsExhausted, `Not enough credits: this request costs ${result.cost}, ${result.remaining} remaining`, {
        headers: { 'retry-after': String(result.retryAfterSeconds), 'x-credits-remaining': String(result.remaining) },
      });
    }
    if (result.outcome === 'voided') throw new ApiException(ErrorCode.Conflict, `Request ${body.requestId} was voided by a final refund; it is never charged`);
    return { cost: result.cost, remaining: result.remaining };
  }

  /** Many debits of one instance in one call (the gateway's coalesced debits); one result each, in order. */
  @Post('batch')
  @HttpCode(200)
  async debitMany(@CurrentPrincipal() principal: Principal, @Body() body: DebitBatchDto): Promise<{ results: DebitResult[] }> {
    const results = await this.queue.debit(
      callerInstance(principal),
      body.debits.map((d) => toRequest(d, principal)),
    );
    countDebits(results);
    return { results };
  }
}
