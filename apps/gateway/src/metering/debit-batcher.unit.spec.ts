import type { GatewayConfig } from '../config/gateway.config';
import type { ServiceClients } from '../downstream/service-clients';
import { ErrorCode, type DebitRequest, type DebitResult } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { DebitBatcher } from './debit-batcher';

/** The credits service's side of the calls: each call waits until the test answers it. */
function creditsService() {
  const calls: { debits: DebitRequest[]; answer(): void }[] = [];
  const clients = {
    credits: {
      json: (req: { body: { debits: DebitRequest[] } }) =>
        new Promise((resolve) => {
          const debits = req.body.debits;
          const results: DebitResult[] = debits.map((d) => ({ requestId: d.requestId, outcome: 'charged', cost: d.cost, remaining: 100 }));
          calls.push({ debits, answer: () => resolve({ status: 200, body: { results } }) });
        }),
    },
  } as unknown as ServiceClients;
  return { clients, calls, sizes: () => calls.map((c) => c.debits.length) };
}

const config = (linger: number, maxBatch = 500) =>
  ({ CREDITS_DEBIT_TIMEOUT_MS: 5000, CREDITS_DEBIT_MAX_BATCH: maxBatch, CREDITS_DEBIT_MAX_IN_FLIGHT: 2, CREDITS_DEBIT_LINGER_MS: linger }) as GatewayConfig;
const debit = (n: number): DebitRequest => ({ requestId: `req_${n}`, cost: 1, entities: ['actions'] });
const settle = () => new Promise<void>((r) => jest.requireActual<typeof import('timers')>('timers').setImmediate(r));

describe('DebitBatcher', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it('sends a debit at once when nothing is in flight', async () => {
    const credits = creditsService();
    const batcher = new DebitBatcher(credits.clients, config(5));
    const result = batcher.debit('acme', debit(1));
    await settle();
    expect(credits.sizes()).toEqual([1]);
    credits.calls[0].answer();
    await expect(result).resolves.toMatchObject({ requestId: 'req_1', outcome: 'charged' });
  });

  it('under load, holds the next batch up to the linger time so later debits join it', async () => {
    const credits = creditsService();
    const batcher = new DebitBatcher(credits.clients, config(5));
    const all = [batcher.debit('acme', debit(0))];
    await settle();
    for (let i = 1; i <= 3; i++) {
      all.push(batcher.debit('acme', debit(i)));
      await settle();
      jest.advanceTimersByTime(1);
    }
    expect(credits.sizes()).toEqual([1]); // without the hold, req_1 would have left alone
    jest.advanceTimersByTime(2);
    await settle();
    expect(credits.sizes()).toEqual([1, 3]);
    for (const call of credits.calls) call.answer();
    expect((await Promise.all(all)).map((r) => r.requestId)).toEqual(['req_0', 'req_1', 'req_2', 'req_3']);
  });

  it('sends the held debits as soon as the batch in flight is answered, without waiting out the hold', async () => {
    const credits = creditsService();
    const batcher = new DebitBatcher(credits.clients, config(50));
    const first = batcher.debit('acme', debit(0));
    await settle();
    const second = batcher.debit('acme', debit(1));
    await settle();
    expect(credits.sizes()).toEqual([1]);
    credits.calls[0].answer();
    await first;
    await settle();
    expect(credits.sizes()).toEqual([1, 1]);
    credits.calls[1].answer();
    await expect(second).resolves.toMatchObject({ requestId: 'req_1' });
  });

  it('sends a full batch without holding it', async () => {
    const credits = creditsService();
    const batcher = new DebitBatcher(credits.clients, config(50, 3));
    const all = [batcher.debit('acme', debit(0))];
    await settle();
    for (let i = 1; i <= 3; i++) all.push(batcher.debit('acme', debit(i)));
    await settle();
    expect(credits.sizes()).toEqual([1, 3]);
    for (const call of credits.calls) call.answer();
    await Promise.all(all);
  });

  it('keeps instances apart and never holds when the hold is switched off', async () => {
    const credits = creditsService();
    const batcher = new DebitBatcher(credits.clients, config(0));
    batcher.debit('acme', debit(0)).catch(() => undefined);
    await settle();
    batcher.debit('acme', debit(1)).catch(() => undefined);
    batcher.debit('globex', debit(2)).catch(() => undefined);
    await settle();
    expect(credits.sizes()).toEqual([1, 1, 1]);
  });

  /** A credits service that never answers debit calls; refunds fail while `refundsFail` says so. */
  function unansweringCredits() {
    const refunds: { requestId: string; final?: boolean; ok: boolean }[] = [];
    const state = { refundsFail: 0 };
    const clients = {
      credits: {
        json: async (req: { path: string; body: { requestId?: string; final?: boolean } }) => {
          if (req.path === '/refunds') {
            const ok = state.refundsFail-- <= 0;
            refunds.push({ requestId: req.body.requestId!, final: req.body.final, ok });
            if (ok) return { status: 200, body: { refunded: false, voided: true } };
          }
          throw new ApiException(ErrorCode.Unavailable, 'credits did not answer');
        },
      },
    } as unknown as ServiceClients;
    return { clients, refunds, state };
  }

  it('settles an unanswered call with one acknowledged final refund per request id', async () => {
    const credits = unansweringCredits();
    credits.state.refundsFail = 1; // the first round goes unanswered too
    const batcher = new DebitBatcher(credits.clients, config(0));
    await expect(batcher.debit('acme', debit(7))).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    jest.advanceTimersByTime(0);
    await settle();
    jest.advanceTimersByTime(2_000);
    await settle();
    jest.advanceTimersByTime(60_000);
    await settle();
    // Final: it also voids the id, so the unanswered call charges nothing if it lands later.
    expect(credits.refunds).toEqual([
      { requestId: 'req_7', final: true, ok: false },
      { requestId: 'req_7', final: true, ok: true },
    ]);
  });

  it('makes one more refund round at once for what is unsettled when the gateway stops', async () => {
    const credits = unansweringCredits();
    credits.state.refundsFail = 1;
    const batcher = new DebitBatcher(credits.clients, config(0));
    await expect(batcher.debit('acme', debit(7))).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    jest.advanceTimersByTime(0);
    await settle();
    expect(credits.refunds.map((r) => r.ok)).toEqual([false]); // the first round; the next is 2 s away
    await batcher.beforeApplicationShutdown();
    expect(credits.refunds.map((r) => r.ok)).toEqual([false, true]);
    jest.advanceTimersByTime(60_000);
    await settle();
    expect(credits.refunds).toHaveLength(2); // the cancelled rounds do not run after the stop
  });
});
