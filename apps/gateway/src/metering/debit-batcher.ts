import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Principal } from '@tollgate/auth';
import { ErrorCode, type DebitRequest, type DebitResult } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ServiceClients } from '../downstream/service-clients';

/** The debits of an unanswered call whose final refund credits has not acknowledged yet: charge id → correlation id. */
interface Unsettled {
  instanceId: string;
  pending: Map<string, string | undefined>;
  timers: NodeJS.Timeout[];
}

interface Waiting {
  debit: DebitRequest;
  resolve(result: DebitResult): void;
  reject(error: unknown): void;
}

interface InstanceQueue {
  waiting: Waiting[];
  inFlight: number;
  scheduled?: boolean;
  /** Set while a busy queue holds its next batch back for more debits to join it. */
  lingerTimer?: NodeJS.Timeout;
  /** The hold is over: the next batch leaves whatever its size. */
  lingered?: boolean;
}

/**
 * When a debit call went unanswered twice, the callers are told it failed, but credits may have
 * charged it all the same (an answer lost on the way back), or may yet (the call still queued
 * there). Those request ids get a final refund, which also voids them for any debit still to
 * come; tried at each of these delays until credits acknowledges it.
 */
const SETTLE_AFTER_MS = [0, 2_000, 10_000, 30_000];

/** The credits service's signed caller for one instance's pool. */
export const systemPrincipal = (instanceId: string): Principal => ({ instanceId, kind: 'system', scopes: [] });

/**
 * Coalesces concurrent debits of one instance into one `POST /debits/batch`: while a few batches
 * are in flight, new debits wait and leave together in the next one. An idle gateway sends a debit
 * at once (no timer, no added latency); a busy one sends fewer, larger calls, which the credits
 * service commits in one transaction each. While a batch is in flight, the next is held for up to
 * CREDITS_DEBIT_LINGER_MS (or until a call is answered, or the batch is full) so that more debits
 * join it: each call costs the gateway, credits and PostgreSQL about as much as the debits in it.
 */
@Injectable()
export class DebitBatcher implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DebitBatcher.name);
  private readonly queues = new Map<string, InstanceQueue>();
  /** Request ids of unanswered calls whose final refund credits has not acknowledged yet. */
  private readonly unsettled = new Set<Unsettled>();

  constructor(
    private readonly clients: ServiceClients,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  debit(instanceId: string, debit: DebitRequest): Promise<DebitResult> {
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(instanceId);
      if (!queue) this.queues.set(instanceId, (queue = { waiting: [], inFlight: 0 }));
      queue.waiting.push({ debit, resolve, reject });
      // Pumped once the current burst is queued: answering a batch wakes all its callers at once,
      // and their next debits should leave together, not the first alone and the rest after it.
      if (!queue.scheduled) {
        queue.scheduled = true;
        queueMicrotask(() => {
          queue.scheduled = false;
          this.pump(instanceId, queue!);
        });
      }
    });
  }

  async remaining(instanceId: string, requestId: string): Promise<number> {
    const { body } = await this.clients.credits.json<{ remaining: number }>({
      method: 'GET',
      path: '/balance',
      principal: systemPrincipal(instanceId),
      requestId,
      timeoutMs: this.config.CREDITS_DEBIT_TIMEOUT_MS,
    });
    return body.remaining;
  }

  /**
   * Gives a charge back for good, however long credits takes to take it: tried now and, while
   * credits does not acknowledge it, again at each of SETTLE_AFTER_MS (and once more at a stop).
   * A caller told its request was refunded must be, even when credits was briefly unreachable.
   * Answers what remains in the pool once credits took the refund, or undefined when it is left
   * to the retries.
   */
  async refundSurely(instanceId: string, requestId: string, correlationId?: string): Promise<number | undefined> {
    try {
      return await this.refund(instanceId, requestId, correlationId);
    } catch {
      this.settle(instanceId, [{ requestId, correlationId }], 'refund unanswered: trying it again');
      return undefined;
    }
  }

  /**
   * Gives a charge back and closes its request id for good (a final refund): the gateway never
   * reuses a charge id, and a debit of it that arrives after the refund must not charge again.
   * Answers what remains in the pool after it.
   */
  async refund(instanceId: string, requestId: string, correlationId?: string): Promise<number> {
    const { body } = await this.clients.credits.json<{ remaining: number }>({
      method: 'POST',
      path: '/refunds',
      principal: systemPrincipal(instanceId),
      requestId,
      body: { requestId, final: true, ...(correlationId ? { correlationId } : {}) },
      timeoutMs: this.config.CREDITS_DEBIT_TIMEOUT_MS,
    });
    return body.remaining;
  }

  private pump(instanceId: string, queue: InstanceQueue): void {
    const { CREDITS_DEBIT_LINGER_MS: linger, CREDITS_DEBIT_MAX_BATCH: maxBatch } = this.config;
    while (queue.waiting.length > 0 && queue.inFlight < this.config.CREDITS_DEBIT_MAX_IN_FLIGHT) {
      if (linger > 0 && queue.inFlight > 0 && queue.waiting.length < maxBatch && !queue.lingered) {
        queue.lingerTimer ??= setTimeout(() => {
          queue.lingerTimer = undefined;
          queue.lingered = true;
          this.pump(instanceId, queue);
        }, linger);
        return;
      }
      clearTimeout(queue.lingerTimer);
      queue.lingerTimer = undefined;
      queue.lingered = false;
      const batch = queue.waiting.splice(0, this.config.CREDITS_DEBIT_MAX_BATCH);
      queue.inFlight++;
      void this.send(instanceId, batch).finally(() => {
        queue.inFlight--;
        if (queue.waiting.length > 0) this.pump(instanceId, queue);
        else if (queue.inFlight === 0) this.queues.delete(instanceId);
      });
    }
  }

  private async send(instanceId: string, batch: Waiting[]): Promise<void> {
    try {
      const results = await this.post(instanceId, batch);
      const byId = new Map(results.map((r) => [r.requestId, r]));
      for (const w of batch) {
        const result = byId.get(w.debit.requestId);
        if (result) w.resolve(result);
        else w.reject(new ApiException(ErrorCode.Unavailable, 'The credits service did not answer for this request'));
      }
    } catch (error) {
      for (const w of batch) w.reject(error);
      if (isTransient(error)) this.settle(instanceId, batch.map((w) => w.debit));
    }
  }

  /**
   * Gives back what an unanswered call may have charged, and voids its request ids, so the call
   * (or its retry) charges nothing if it reaches credits later. One acknowledged refund settles an
   * id; those credits does not acknowledge are tried again at each later delay.
   */
  private settle(instanceId: string, debits: Pick<DebitRequest, 'requestId' | 'correlationId'>[], why = 'debit call unanswered: refunding and voiding what it may have charged'): void {
    this.logger.warn({ instanceId, debits: debits.length }, why);
    const entry: Unsettled = { instanceId, pending: new Map(debits.map((d) => [d.requestId, d.correlationId])), timers: [] };
    this.unsettled.add(entry);
    SETTLE_AFTER_MS.forEach((delay, round) => {
      const timer = setTimeout(() => {
        void this.refundPending(entry).then(() => {
          const last = round === SETTLE_AFTER_MS.length - 1;
          if (entry.pending.size > 0 && !last) return;
          entry.timers.forEach(clearTimeout);
          this.unsettled.delete(entry);
          if (entry.pending.size > 0) this.logger.error({ instanceId, debits: entry.pending.size }, 'credits never acknowledged the refund of an unanswered debit call');
        });
      }, delay);
      timer.unref();
      entry.timers.push(timer);
    });
  }

  private async refundPending(entry: Unsettled): Promise<void> {
    await Promise.all(
      [...entry.pending].map(([id, correlationId]) =>
        this.refund(entry.instanceId, id, correlationId).then(
          () => entry.pending.delete(id),
          () => undefined,
        ),
      ),
    );
  }

  /**
   * A gateway that stops does not wait out the later refund rounds: it makes one more round now
   * for what credits has not acknowledged (bounded by the debit timeout).
   */
  async beforeApplicationShutdown(): Promise<void> {
    const entries = [...this.unsettled];
    this.unsettled.clear();
    for (const entry of entries) entry.timers.forEach(clearTimeout);
    await Promise.all(entries.map((entry) => this.refundPending(entry)));
  }

  /** Debits are idempotent by request id, so one retry after a lost answer cannot charge twice. */
  private async post(instanceId: string, batch: Waiting[]): Promise<DebitResult[]> {
    const call = () =>
      this.clients.credits.json<{ results: DebitResult[] }>({
        method: 'POST',
        path: '/debits/batch',
        principal: systemPrincipal(instanceId),
        requestId: batch[0].debit.requestId,
        body: { debits: batch.map((w) => w.debit) },
        timeoutMs: this.config.CREDITS_DEBIT_TIMEOUT_MS,
      });
    try {
      return (await call()).body.results;
    } catch (error) {
      if (!isTransient(error)) throw error;
      return (await call()).body.results;
    }
  }
}

function isTransient(error: unknown): boolean {
  return error instanceof ApiException && (error.code === ErrorCode.Unavailable || error.code === ErrorCode.Timeout || error.status >= 500);
}
