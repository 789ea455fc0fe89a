import type { FlowDefinition, Step } from '../../flows/flow-definition';
import type { InternalClient } from '../../downstream/internal-client';
import { recordsWhere, StepFailure, type RunContext } from '../run-context';
import type { StepExecutor } from '../step-executor';

const ACCEPTABLE_ID = /[^A-Za-z0-9._:-]/g;

/** The debit's request id: the run and the step, so a resumed run is not charged twice for the same step. */
export const queryRequestId = (processId: string, index: number, step: Step): string =>
  `${processId}:q${index}:${(step.id as string | undefined) ?? (step.entity as string)}`.replace(ACCEPTABLE_ID, '_');

/** Every query step's request id in a run of this definition: what the run may have been charged. */
export const queryRequestIds = (flow: FlowDefinition, processId: string): string[] =>
  flow.steps.flatMap((step, index) => (step.type === 'query' ? [queryRequestId(processId, index, step)] : []));

/**
 * Reads the flow's instance records from the query service, metered like any query: one credit
 * for the entity, debited before the read. The charge is the run's: refunded when the run fails.
 */
export class QueryStep implements StepExecutor {
  constructor(
    private readonly query: InternalClient,
    private readonly credits: InternalClient,
  ) {}

  async run(step: Step, ctx: RunContext, index = 0): Promise<unknown[]> {
    const entity = step.entity as string;
    const requestId = queryRequestId(ctx.processId, index, step);
    // Until credits answers, the debit may have charged: a call that times out after credits
    // committed it fails the run, which must then give the charge back all the same.
    ctx.unconfirmed.add(requestId);
    const debit = await this.credits.call<{ code?: string; message?: string; cost?: number; remaining?: number }>({
      method: 'POST',
      path: '/debits',
      instanceId: ctx.instanceId,
      requestId,
      body: { requestId, cost: 1, entities: [entity], ...ctx.payer },
    });
    // Any answer but a server error says whether it charged (a charge is recorded below).
    if (debit.status < 500) ctx.unconfirmed.delete(requestId);
    if (debit.status === 429) {
      const left = Number(debit.headers['x-credits-remaining']);
      if (Number.isFinite(left)) ctx.refusedAtRemaining = left;
      const retryAfter = Number(debit.headers['retry-after']);
      throw new StepFailure(429, 'credits_exhausted', debit.body?.message ?? 'Not enough credits', Number.isFinite(retryAfter) ? retryAfter : undefined);
    }
    if (debit.status >= 300) throw new Error(`the credits service answered ${debit.status}`);
    ctx.charges.push({ requestId, cost: debit.body?.cost ?? 1, remaining: debit.body?.remaining ?? 0 });
    const params = new URLSearchParams({ entities: entity });
    if (step.sort) params.set('sort', step.sort as string);
    if (step.order) params.set('order', step.order as string);
    if (step.limit && !step.where) params.set('limit', String(step.limit));
    const res = await this.query.call<{ data?: Record<string, unknown[]>; message?: string; errors?: { message: string }[] }>({
      method: 'GET',
      path: `/api/v1/query?${params}`,
      instanceId: ctx.instanceId,
      requestId,
      signal: ctx.signal,
      scopes: ['query'],
    });
    if (res.status >= 300) {
      // A 400 says what was wrong in its field errors ("unknown entity actoins"), not in its message ("Validation failed").
      const why = res.body?.errors?.length ? res.body.errors.map((e) => e.message).join('; ') : (res.body?.message ?? '');
      throw new Error(`the query service answered ${res.status}${why ? `: ${why}` : ''}`);
    }
    let records = res.body?.data?.[entity] ?? [];
    if (step.where) {
      records = await recordsWhere(ctx, step.where as string, records);
      if (step.limit) records = records.slice(0, step.limit as number);
    }
    ctx.log('info', `query ${entity}: ${records.length} record(s), 1 credit`, step.id);
    return records;
  }
}
