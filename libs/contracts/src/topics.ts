/** Kafka topics. WARNING: renaming one strands every stored offset and downstream subscription. */
export const TOPICS = {
  identity: 'tollgate.identity',
  keys: 'tollgate.keys',
  credits: 'tollgate.credits',
  query: 'tollgate.query',
  flows: 'tollgate.flows',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

export const deadLetterTopic = (topic: string): string => `${topic}.dlq`;

/**
 * Headers of a dead letter, which is otherwise the original message (key and value) as it was read:
 * why it was set aside, by which consumer group, and where it came from.
 */
export const DEAD_LETTER_HEADERS = {
  reason: 'x-dlq-reason',
  consumerGroup: 'x-dlq-consumer-group',
  topic: 'x-dlq-original-topic',
  partition: 'x-dlq-original-partition',
  offset: 'x-dlq-original-offset',
} as const;

/** A dead letter's headers: the original message's, and which group set it aside, why, and from where. */
export function deadLetterHeaders<H>(
  original: Record<string, H> | undefined,
  from: { reason: string; consumerGroup: string; topic: string; partition: number; offset: string },
): Record<string, H | string> {
  return {
    ...original,
    [DEAD_LETTER_HEADERS.reason]: from.reason,
    [DEAD_LETTER_HEADERS.consumerGroup]: from.consumerGroup,
    [DEAD_LETTER_HEADERS.topic]: from.topic,
    [DEAD_LETTER_HEADERS.partition]: String(from.partition),
    [DEAD_LETTER_HEADERS.offset]: from.offset,
  };
}

/** Every topic the platform needs to exist before producers and consumers start. */
export const ALL_TOPICS: string[] = Object.values(TOPICS).flatMap((t) => [t, deadLetterTopic(t)]);
