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

/**
 * The event's data as JSON, refused when it is too large to publish: in bytes of UTF-8, once
 * PostgreSQL's jsonb has printed its numbers (the relay publishes a stored event as jsonb prints
 * it, and jsonb prints no exponents: 1e308 is 309 digits).
 */
export function publishableJson(type: string, data: unknown): string {
  const json = JSON.stringify(data);
  // A JSON character takes at most 3 bytes of UTF-8 (a 4-byte one is 2 characters), and a number
  // grows at most 66-fold (`1e+21`, 5 characters, the shortest JSON.stringify writes in e-notation,
  // to the 327 of 5e-324): most events skip the count.
  if (json.length * MAX_GROWTH > MAX_EVENT_DATA_BYTES) {
    const bytes = Buffer.byteLength(json) + jsonbGrowth(json);
    if (bytes > MAX_EVENT_DATA_BYTES) throw new EventTooLarge(type, bytes);
  }
  return json;
}

const MAX_GROWTH = 66;
// A number where JSON puts values: after `:`, `,` or `[` (or alone), before `,`, `]` or `}` (or the end).
const E_NOTATION = /(?<=^|[:,[])(-?)(\d+)(?:\.(\d+))?[eE]([-+]?\d+)(?=$|[,\]}])/g;

/**
 * At most how many characters longer jsonb prints the numbers JSON wrote in e-notation: the
 * integer digits the exponent adds, and the fraction digits it moves behind the point (as
 * PostgreSQL's numeric keeps them: 1.5e-7 is 0.00000015). Text in a string that looks like such
 * a value is counted too, which can only overestimate.
 */
export function jsonbGrowth(json: string): number {
  let growth = 0;
  for (const [written, sign, integer, fraction = '', exponent] of json.matchAll(E_NOTATION)) {
    const x = Number(exponent);
    const printed = sign.length + Math.max(1, integer.length + x) + 1 + Math.max(0, fraction.length - x);
    growth += Math.max(0, printed - written.length);
  }
  return growth;
}
