import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { KEYS_CONFIG, type KeysConfig } from '../config/keys.config';
import { KeyDeactivation } from './key-deactivation';

/**
 * Records the expiry of keys past their `expiresAt` as KeyDeactivated (reason `expired`). The key is
 * refused from the moment it expires whatever this job's pace; the event tells everyone else.
 */
@Injectable()
export class ExpireKeysJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ExpireKeysJob.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly deactivation: KeyDeactivation,
    @Inject(KEYS_CONFIG) private readonly config: KeysConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .catch((error) => {
          this.logger.warn({ err: (error as Error).message }, 'key expiry sweep failed');
          return 0;
        })
        .finally(() => (this.running = undefined));
    }, this.config.KEY_EXPIRY_SWEEP_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async sweep(): Promise<number> {
    const due: { id: string; instance_id: string }[] = await this.dataSource.query(
      `SELECT id, instance_id FROM api_keys WHERE status = 'active' AND expires_at <= now() ORDER BY expires_at LIMIT 500`,
    );
    for (const key of due) {
      await this.dataSource.transaction((em) => this.deactivation.one(em, key.instance_id, key.id, 'expired'));
    }
    return due.length;
  }
}
