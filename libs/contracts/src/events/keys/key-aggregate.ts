/**
 * The aggregate id of one API key's events (`KeyIssued` … `KeyUsed`), and so their Kafka message
 * key: every event of a key stays in one partition, in order, whoever publishes it.
 */
export const keyAggregateId = (keyId: string): string => `key:${keyId}`;
