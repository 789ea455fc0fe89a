import type { Step } from '../../flows/flow-definition';
import type { InternalClient } from '../../downstream/internal-client';
import { perRecord } from './basic-steps';
import { StepFailure, type RunContext } from '../run-context';
import type { StepExecutor } from '../step-executor';

const ACCEPTABLE_ID = /[^A-Za-z0-9._:-]/g;

/**
 * Reads the flow's instance records from the query service, metered like any query: one credit
 * for the entity, debited before the read and refunded when the read fails. The debit's request id
 * is the run and step, so a resumed run is not charged twice for the same step.
 */
export class QueryStep implements StepExecutor {
  constructor(
    private readonly query: InternalClient,
    private readonly credits: InternalClient,
  ) {}

  async run(step: Step, ctx: RunContext, index = 0): Promise<unknown[]> {
    const entity = step.entity as string;
    const requestId = `${ctx.processId}:q${index}:${step.id ?? entity}`.replace(ACCEPTABLE_ID, '_');
    const debit = await this.credits.call<{ code?: string; message?: string; remaining?: number }>({
      method: 'POST',
      path: '/debits',
      instanceId: ctx.instanceId,
      requestId,
      body: { requestId, cost: 1, entities: [entity] },
    });
    if (debit.status === 429) throw new StepFailure(429, 'credits_exhausted', debit.body?.message ?? 'Not enough credits');
    if (debit.status >= 300) throw new Error(`the credits service answered ${debit.status}`);
    try {
      const params = new URLSearchParams({ entities: entity });
      if (step.sort) params.set('sort', step.sort as string);
      if (step.order) params.set('order', step.order as string);
      if (step.limit && !step.where) params.set('limit', String(step.limit));
      const res = await this.query.call<{ data?: Record<string, unknown[]>; message?: string }>({
        method: 'GET',
        path: `/api/v1/query?${params}`,
        instanceId: ctx.instanceId,
        requestId,
        signal: ctx.signal,
        scopes: ['query'],
      });
      if (res.status >= 300) throw new Error(`the query service answered ${res.status}: ${res.body?.message ?? ''}`.trim());
      let records = res.body?.data?.[entity] ?? [];
      if (step.where) {
        const keep = await perRecord(ctx, records, step.where as string);
        records = records.filter((_, i) => Boolean(keep[i]));
        if (step.limit) records = records.slice(0, step.limit as number);
      }
      ctx.log('info', `query ${entity}: ${records.length} record(s), 1 credit`, step.id);
      return records;
    } catch (error) {
      await this.credits
        .call({ method: 'POST', path: '/refunds', instanceId: ctx.instanceId, requestId, body: { requestId } })
        .catch(() => ctx.log('error', `refund of ${requestId} failed; the credit stays spent`, step.id));
      throw error;
    }
  }
}
