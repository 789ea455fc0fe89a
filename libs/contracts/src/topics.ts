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

/** Every topic the platform needs to exist before producers and consumers start. */
export const ALL_TOPICS: string[] = Object.values(TOPICS).flatMap((t) => [t, deadLetterTopic(t)]);
