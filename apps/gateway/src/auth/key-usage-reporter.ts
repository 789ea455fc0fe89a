import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Principal } from '@tollgate/auth';
import { keyAggregateId, KeyUsed, type EventEnvelope, type EventData } from '@tollgate/contracts';
import { KafkaBus } from '@tollgate/event-sourcing';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';

interface Usage {
  instanceId: string;
  count: number;
  lastUsedAt: Date;
}

/**
 * Collects key use in memory and publishes one KeyUsed per key per flush, so "most recently used"
 * costs keys one write per key every few seconds instead of one per request.
 */
@Injectable()
export class KeyUsageReporter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(KeyUsageReporter.name);
  private pending = new Map<string, Usage>();
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly bus: KafkaBus,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.config.KEY_USAGE_FLUSH_MS);
    this.timer.unref();
  }

  record(principal: Principal, at = new Date()): void {
    if (!principal.keyId) return;
    const usage = this.pending.get(principal.keyId);
    if (usage) {
      usage.count++;
      if (at > usage.lastUsedAt) usage.lastUsedAt = at;
    } else {
      this.pending.set(principal.keyId, { instanceId: principal.instanceId, count: 1, lastUsedAt: at });
    }
  }

  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.publish(batch).finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async publish(batch: Map<string, Usage>): Promise<void> {
    const messages = [...batch].map(([keyId, usage]) => {
      const data: EventData<typeof KeyUsed> = { keyId, lastUsedAt: usage.lastUsedAt.toISOString(), count: usage.count };
      const envelope: EventEnvelope<typeof data> = {
        id: randomUUID(),
        type: KeyUsed.type,
        version: KeyUsed.version,
        instanceId: usage.instanceId,
        aggregateId: keyAggregateId(keyId),
        sequence: 0,
        occurredAt: new Date().toISOString(),
        data,
      };
      return { topic: KeyUsed.topic, key: envelope.aggregateId, value: JSON.stringify(envelope) };
    });
    try {
      await this.bus.publish(messages);
    } catch (error) {
      // Put the counts back: the next flush retries them, merged with newer use.
      for (const [keyId, usage] of batch) {
        const newer = this.pending.get(keyId);
        if (!newer) this.pending.set(keyId, usage);
        else {
          newer.count += usage.count;
          if (usage.lastUsedAt > newer.lastUsedAt) newer.lastUsedAt = usage.lastUsedAt;
        }
      }
      this.logger.warn({ err: (error as Error).message, keys: batch.size }, 'key usage report failed; will retry');
    }
  }
}
