import type { Topic } from './topics';

export type DataClass<D> = new () => D;

/** A published event type at one version: its name, the topic it travels on and its data class. */
export interface EventContract<D = unknown> {
  readonly type: string;
  readonly version: number;
  readonly topic: Topic;
  readonly dataClass: DataClass<D>;
  /**
   * What subscribers receive of the data, when it differs from what the owning service stores:
   * the event store keeps the whole event (its read models are rebuilt from it), Kafka gets this.
   * Events never carry secrets; a definition that may hold some says here what it leaves out.
   */
  readonly published?: (data: D) => D;
  /**
   * Published straight to the outbox, outside any event stream (a notice, not history): its
   * `sequence` is 0. Said so in the AsyncAPI document.
   */
  readonly outsideStream?: boolean;
}

/** Plain data of an event: the class's own fields, without methods. */
export type EventData<C> = C extends EventContract<infer D> ? { [K in keyof D]: D[K] } : never;

export function defineEvent<D>(
  type: string,
  version: number,
  topic: Topic,
  dataClass: DataClass<D>,
  options: { published?: (data: D) => D; outsideStream?: boolean } = {},
): EventContract<D> {
  return Object.freeze({ type, version, topic, dataClass, ...options });
}
