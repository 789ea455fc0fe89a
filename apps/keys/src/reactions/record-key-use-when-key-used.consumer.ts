import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { KeyUsed, TOPICS, tollgateCatalog, type EventData, type EventEnvelope } from '@tollgate/contracts';
import { IdempotentConsumer, KafkaBus, writeOutbox } from '@tollgate/event-sourcing';
import { countDeadLettered } from '@tollgate/service-runtime';
import { UUID } from '../identity/access';
import { busLogger, ConsumerLifecycle } from './consumer-lifecycle';

/** Gateways report key use in batches; the listing orders keys by the latest use seen. */
@Injectable()
export class RecordKeyUseWhenKeyUsed extends ConsumerLifecycle {
  constructor(
    dataSource: DataSource,
    private readonly bus: KafkaBus,
  ) {
    super(dataSource);
  }

  /**
   * Key use a stopping gateway could not publish (Kafka was down), handed over instead. In one
   * transaction each event is applied as if consumed (recorded for the consumer's group: a later
   * delivery of the same id from Kafka changes nothing) and queued in keys' outbox, so the topic's
   * other subscribers still receive it. An id applied before (handed over again, or consumed from
   * Kafka after all) changes nothing and is not queued again. Answers how many were new.
   */
  async applyHandedOver(events: EventEnvelope[]): Promise<number> {
    const consumer = await this.idempotentConsumer();
    return this.dataSource.transaction(async (em) => {
      const applied: EventEnvelope[] = [];
      for (const event of events) if (await consumer.applyIn(em, event)) applied.push(event);
      await writeOutbox(em, applied, applied.map(() => KeyUsed.topic));
      return applied.length;
    });
  }

  protected create(groupPrefix: string): IdempotentConsumer {
    return new IdempotentConsumer(this.dataSource, this.bus, tollgateCatalog, {
      groupId: `${groupPrefix}.keys.record-key-use-when-key-used`,
      topics: [TOPICS.keys],
      // Use is a latest-wins signal: a new group starts from now rather than replaying the topic's history.
      fromBeginning: false,
      logger: busLogger(new Logger(RecordKeyUseWhenKeyUsed.name)),
      onDeadLettered: countDeadLettered,
      handlers: {
        [KeyUsed.type]: async (em, event) => {
          const { keyId, lastUsedAt, count } = event.data as EventData<typeof KeyUsed>;
          if (!UUID.test(keyId)) return;
          await em.query(
            `INSERT INTO key_usage (key_id, last_used_at, use_count)
             SELECT id, $3, $4 FROM api_keys WHERE id = $1 AND instance_id = $2
             ON CONFLICT (key_id) DO UPDATE SET last_used_at = GREATEST(key_usage.last_used_at, excluded.last_used_at),
                                                use_count = key_usage.use_count + excluded.use_count`,
            [keyId, event.instanceId, lastUsedAt, count],
          );
        },
      },
    });
  }
}
