/**
 * The most one event's data may take, as JSON: half of what a Kafka broker takes in one message by
 * default (`message.max.bytes`, 1 MB), leaving room for the envelope. The broker refuses a larger
 * message, and the relay publishes in outbox order: one such event would hold up every event
 * queued behind it, for every instance. Services check what their users send against limits of
 * their own first, with messages of their own; this is the backstop.
 */
export const MAX_EVENT_DATA_BYTES = 512 * 1024;

/** An event too large to publish; nothing of the append was written. */
export class EventTooLarge extends Error {
  constructor(
    readonly type: string,
    readonly bytes: number,
  ) {
    super(`This would publish a ${type} event of ${bytes} bytes of JSON, more than the ${MAX_EVENT_DATA_BYTES} (512 KiB) an event may take`);
    this.name = 'EventTooLarge';
  }
}

/** The event's data as JSON, refused when it is too large to publish. */
export function publishableJson(type: string, data: unknown): string {
  const json = JSON.stringify(data);
  // A JSON character takes at most 3 bytes of UTF-8 (a 4-byte one is 2 characters): most events skip the count.
  if (json.length * 3 > MAX_EVENT_DATA_BYTES) {
    const bytes = Buffer.byteLength(json);
    if (bytes > MAX_EVENT_DATA_BYTES) throw new EventTooLarge(type, bytes);
  }
  return json;
}
