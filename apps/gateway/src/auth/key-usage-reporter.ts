import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Principal } from '@tollgate/auth';
import { KEY_USAGE_HANDOVER_MAX, keyAggregateId, KeyUsed, type EventEnvelope, type EventData } from '@tollgate/contracts';
import { KafkaBus, noticeEnvelope } from '@tollgate/event-sourcing';
import { requestsShareOfGrace } from '@tollgate/service-runtime';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ServiceClients } from '../downstream/service-clients';
import { systemPrincipal } from '../metering/debit-batcher';

interface Usage {
  instanceId: string;
  count: number;
  lastUsedAt: Date;
}

type KeyUsedEnvelope = EventEnvelope<EventData<typeof KeyUsed>>;

/** Resolves true once `published` does, false if it fails or `ms` pass first. */
function publishedWithin(published: Promise<boolean>, ms: number): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(false);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([published, late]).finally(() => clearTimeout(timer));
}

/**
 * Collects key use in memory and publishes one KeyUsed per key per flush, so "most recently used"
 * costs keys one write per key every few seconds instead of one per request.
 *
 * On shutdown what is left is published once more; if Kafka does not take it in time (down, or
 * slower than the grace allows), the same events (same ids) are handed to keys over HTTP, which
 * applies them as its consumer would and publishes them from its outbox. A delivery of one of them
 * from Kafka after all then changes nothing.
 */
@Injectable()
export class KeyUsageReporter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(KeyUsageReporter.name);
  private pending = new Map<string, Usage>();
  private timer?: NodeJS.Timeout;
  private sending?: { envelopes: KeyUsedEnvelope[]; published: Promise<boolean> };
  /**
   * The events of a report Kafka refused, offered again as they are, ids and all: a report it took
   * after all (an acknowledgement lost on the way back) then counts once, as keys applies each id
   * once. Newer use waits in `pending` meanwhile, so this holds at most one event per key.
   */
  private refused: KeyUsedEnvelope[] = [];
  private stopping = false;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly bus: KafkaBus,
    private readonly clients: ServiceClients,
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
    if (this.sending) return void (await this.sending.published);
    let envelopes = this.refused;
    if (envelopes.length > 0) this.refused = [];
    else if (this.pending.size > 0) {
      envelopes = envelopesOf(this.pending);
      this.pending = new Map();
    } else return;
    const published = this.publish(envelopes).then((ok) => {
      this.sending = undefined;
      // Once stopping, the shutdown hands these very events over instead.
      if (!ok && !this.stopping) this.refused = envelopes;
      return ok;
    });
    this.sending = { envelopes, published };
    await published;
  }

  /**
   * The Kafka connection and the keys client are still open: the modules that close them run their
   * hooks after this one's. Kafka gets 40 % of the shutdown work's share of the grace, keys 30 %;
   * the rest is left to the other hooks (consumers, connections).
   */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.stopping = true;
    const hooksMs = this.config.SHUTDOWN_GRACE_MS - requestsShareOfGrace(this.config.SHUTDOWN_GRACE_MS);
    const kafkaDeadline = Date.now() + hooksMs * 0.4;
    const unsent: KeyUsedEnvelope[] = [];
    const sending = this.sending;
    if (sending && !(await publishedWithin(sending.published, kafkaDeadline - Date.now()))) unsent.push(...sending.envelopes);
    unsent.push(...this.refused, ...envelopesOf(this.pending));
    this.refused = [];
    this.pending = new Map();
    if (unsent.length === 0) return;
    if (await publishedWithin(this.publish(unsent), kafkaDeadline - Date.now())) return;
    await this.handOver(unsent, Date.now() + hooksMs * 0.3);
  }

  private async publish(envelopes: KeyUsedEnvelope[]): Promise<boolean> {
    try {
      await this.bus.publish(envelopes.map((e) => ({ topic: KeyUsed.topic, key: e.aggregateId, value: JSON.stringify(e) })));
      return true;
    } catch (error) {
      const next = this.stopping ? 'keys is asked to take it' : 'will retry';
      this.logger.warn({ err: (error as Error).message, keys: envelopes.length }, `key usage report failed; ${next}`);
      return false;
    }
  }

  /** Hands the events to keys, in parts it accepts; what keys does not take in time is lost, and said so. */
  private async handOver(envelopes: KeyUsedEnvelope[], deadline: number): Promise<void> {
    const lost: KeyUsedEnvelope[] = [];
    let failure = '';
    for (let i = 0; i < envelopes.length; i += KEY_USAGE_HANDOVER_MAX) {
      const part = envelopes.slice(i, i + KEY_USAGE_HANDOVER_MAX);
      const timeoutMs = deadline - Date.now();
      if (timeoutMs <= 0) {
        failure ||= 'no time left within the shutdown grace';
        lost.push(...part);
        continue;
      }
      try {
        await this.clients.keys.json({
          method: 'POST',
          path: '/key-usage',
          principal: systemPrincipal(''),
          requestId: `req_key_usage_${randomUUID()}`,
          body: { events: part },
          timeoutMs,
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        failure ||= (error as Error).message;
        lost.push(...part);
      }
    }
    if (lost.length === 0) {
      this.logger.log({ keys: new Set(envelopes.map((e) => e.data.keyId)).size }, 'key usage handed to keys: Kafka did not take it before shutdown');
      return;
    }
    const keys = new Set(lost.map((e) => e.data.keyId)).size;
    const uses = lost.reduce((sum, e) => sum + e.data.count, 0);
    this.logger.error({ err: failure, keys, uses }, `key usage of ${keys} keys lost: neither Kafka nor keys took it before shutdown`);
  }
}

/** One KeyUsed per key, each with an id of its own that stays with it wherever it is sent. */
function envelopesOf(batch: Map<string, Usage>): KeyUsedEnvelope[] {
  const occurredAt = new Date().toISOString();
  return [...batch].map(([keyId, usage]) =>
    noticeEnvelope(KeyUsed, {
      instanceId: usage.instanceId,
      aggregateId: keyAggregateId(keyId),
      occurredAt,
      data: { keyId, lastUsedAt: usage.lastUsedAt.toISOString(), count: usage.count },
    }),
  );
}
