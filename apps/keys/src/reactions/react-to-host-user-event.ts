import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { TOPICS, tollgateCatalog, type EventEnvelope } from '@tollgate/contracts';
import { IdempotentConsumer, type KafkaBus } from '@tollgate/event-sourcing';
import { countDeadLettered } from '@tollgate/service-runtime';
import { canonicalId } from '../identity/access';
import { busLogger, ConsumerLifecycle } from './consumer-lifecycle';

export interface UserEventReaction {
  /** Consumer group (after the database prefix). WARNING: renaming it strands its offsets. */
  group: string;
  /** An identity event whose data names the user (`userId`, a UUID: the contract refuses anything else). */
  eventType: string;
  /** What the host product's event does here, in the consumer's transaction. */
  apply(em: EntityManager, event: EventEnvelope, userId: string): Promise<void>;
}

/** As long as a correlation id is kept: room for an X-Request-Id (128) and for a host's own ids. */
const MAX_CORRELATION_ID = 256;
const CONTROL_CHARACTERS = /\p{Cc}/gu;
const LONE_SURROGATES = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * The host's correlation id as our events can carry it: PostgreSQL stores no NUL, and JSON no lone
 * surrogate. It only ties events together for tracing, so an unusable one is cleaned, or dropped
 * when nothing is left, rather than the whole event refused and the user left with their access.
 */
export function usableCorrelationId(correlationId: unknown): string | undefined {
  if (typeof correlationId !== 'string') return undefined;
  const cleaned = correlationId.replace(CONTROL_CHARACTERS, '').slice(0, MAX_CORRELATION_ID).replace(LONE_SURROGATES, '');
  return cleaned.trim() ? cleaned : undefined;
}

/**
 * A user event of the host product that takes a user's access away. External events name the
 * Tollgate instance (envelope instanceId) and the Tollgate user id (data.userId); an id that is not
 * one of ours changes nothing, and one that cannot be used at all sets the event aside
 * (dead-lettered), while an unusable correlation id is only cleaned. Keys' own events of the same
 * type are skipped: their effects committed with them, and applied late (after a user was
 * reactivated, say) they would end what came after.
 */
export abstract class ReactToHostUserEvent extends ConsumerLifecycle {
  protected constructor(
    dataSource: DataSource,
    private readonly bus: KafkaBus,
    private readonly reaction: UserEventReaction,
  ) {
    super(dataSource);
  }

  protected create(groupPrefix: string): IdempotentConsumer {
    const { reaction } = this;
    return new IdempotentConsumer(this.dataSource, this.bus, tollgateCatalog, {
      groupId: `${groupPrefix}.${reaction.group}`,
      topics: [TOPICS.identity],
      logger: busLogger(new Logger(this.constructor.name)),
      onDeadLettered: countDeadLettered,
      handlers: {
        [reaction.eventType]: async (em, event) => {
          const { userId } = event.data as { userId: string };
          const own = await em.query(`SELECT 1 FROM events WHERE event_id = $1`, [event.id]);
          if (own.length > 0) return;
          await reaction.apply(em, { ...event, correlationId: usableCorrelationId(event.correlationId) }, canonicalId(userId));
        },
      },
    });
  }
}
