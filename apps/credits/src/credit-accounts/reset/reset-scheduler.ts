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

  /** Resets every pool whose midnight has passed; returns how many. */
  async resetDue(): Promise<number> {
    const due: { instance_id: string }[] = await this.dataSource.query(
      `SELECT instance_id FROM credit_accounts WHERE resets_at <= $1 ORDER BY resets_at LIMIT 500`,
      [this.clock.now()],
    );
    let reset = 0;
    for (const { instance_id } of due) {
      const written = await this.writer.execute(instance_id, (state, _em, now) => decideReset(state, now));
      if (written.result) reset++;
    }
    return reset;
  }
}
