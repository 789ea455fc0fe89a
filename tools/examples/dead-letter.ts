import type { KafkaMessage, Producer } from 'kafkajs';
import { deadLetterHeaders, deadLetterTopic } from '@tollgate/contracts';

/**
 * Sets a message the subscriber cannot read aside on `<topic>.dlq`, as it was, with the reason and
 * where it came from in the headers (Tollgate's own consumers do the same). Thrown instead, it
 * would be delivered again and again, and nothing after it in its partition would be read.
 */
export async function deadLetter(
  producer: Producer,
  from: { groupId: string; topic: string; partition: number; message: KafkaMessage },
  reason: string,
): Promise<void> {
  const { groupId, topic, partition, message } = from;
  console.warn(`${topic} partition ${partition} offset ${message.offset} set aside on ${deadLetterTopic(topic)}: ${reason}`);
  await producer.send({
    topic: deadLetterTopic(topic),
    acks: -1,
    messages: [
      {
        key: message.key ?? '',
        value: message.value,
        headers: deadLetterHeaders(message.headers, { reason, consumerGroup: groupId, topic, partition, offset: message.offset }),
      },
    ],
  });
}
