import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '@tollgate/service-runtime';
import { DataSource } from 'typeorm';
import { Clock } from '../../clock';
import { CREDITS_CONFIG, type CreditsConfig } from '../../config/credits.config';
import { decideReset } from '../credit-account.decider';
import { CreditAccountWriter } from '../credit-account.writer';

/**
 * Refills pools at their local midnight even when nobody calls, so `CreditsReset` is published and
 * open consoles see the new balance. Reads and debits reset a due pool themselves too; this scan
 * only bounds how late an idle instance's reset can be (RESET_SCAN_MS).
 */
@Injectable()
export class ResetScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  /** Instances whose reset failed, and when to try them again: one bad account never holds up the rest. */
  private readonly failed = new Map<string, number>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly writer: CreditAccountWriter,
    private readonly clock: Clock,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(CREDITS_CONFIG) private readonly config: CreditsConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.RESET_SCAN_MS <= 0) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.resetDue()
        .catch((error: unknown) => {
          this.logger.warn({ err: (error as Error).message }, 'credit reset scan failed');
          return 0;
        })
        .finally(() => (this.running = undefined));
    }, this.config.RESET_SCAN_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /**
   * Resets every pool whose midnight has passed; returns how many. An instance whose reset fails is
   * logged and left for FAILED_RETRY_MS, so neither its error nor its place at the head of the
   * queue keeps the others from being reset (its own pool still resets on its next read or debit).
   */
  async resetDue(): Promise<number> {
    const now = this.clock.now();
    for (const [instanceId, retryAt] of this.failed) if (retryAt <= now.getTime()) this.failed.delete(instanceId);
    const due: { instance_id: string }[] = await this.dataSource.query(
      `SELECT instance_id FROM credit_accounts WHERE has_plan AND resets_at <= $1 AND NOT (instance_id = ANY($2)) ORDER BY resets_at LIMIT 500`,
      [now, [...this.failed.keys()]],
    );
    let reset = 0;
    for (const { instance_id } of due) {
      try {
        const written = await this.writer.execute(instance_id, (state, _em, at) => decideReset(state, at));
        if (written.result) reset++;
      } catch (error) {
        this.failed.set(instance_id, now.getTime() + FAILED_RETRY_MS);
        this.logger.warn({ err: error, instanceId: instance_id }, 'credit reset failed for an instance; the scan goes on without it');
      }
    }
    return reset;
  }
}

/** How long the scan leaves an instance whose reset failed before trying it again. */
const FAILED_RETRY_MS = 60_000;
