import { Counter } from 'prom-client';
import { metricsRegistry } from '@tollgate/service-runtime';
import type { DebitResult } from '@tollgate/contracts';

const debits = new Counter({
  name: 'tollgate_credits_debits_total',
  help: 'Debit requests by outcome: charged, duplicate (request id already charged), exhausted (refused: the pool was too low, the caller got 429 credits_exhausted) or voided (request id closed by a final refund)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

const creditsCharged = new Counter({
  name: 'tollgate_credits_charged_total',
  help: 'Credits taken from instance pools by charged debits',
  registers: [metricsRegistry],
});

const refunds = new Counter({
  name: 'tollgate_credits_refunds_total',
  help: 'Refunds that gave a charge back',
  registers: [metricsRegistry],
});

const creditsRefunded = new Counter({
  name: 'tollgate_credits_refunded_total',
  help: 'Credits given back to instance pools by refunds',
  registers: [metricsRegistry],
});

export function countDebits(results: DebitResult[]): void {
  let charged = 0;
  for (const result of results) {
    debits.inc({ outcome: result.outcome });
    if (result.outcome === 'charged') charged += result.cost;
  }
  if (charged) creditsCharged.inc(charged);
}

export function countRefund(amount: number): void {
  refunds.inc();
  creditsRefunded.inc(amount);
}
