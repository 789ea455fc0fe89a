import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type ICustomPartitioner, type LogEntry, type Producer } from 'kafkajs';
import './request-queue-timer';
import { repeatLimited } from './repeat-limited-logger';

export interface BusLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface OutgoingMessage {
  topic: string;
  key: string;
  value: string;
  headers?: Record<string, string>;
}

export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface SubscribeOptions {
  groupId: string;
  topics: string[];
  fromBeginning?: boolean;
  /** Resolve to mark the message consumed; throw to have it delivered again. */
  handle(message: IncomingMessage, heartbeat: () => Promise<void>): Promise<void>;
}

export interface Subscription {
  /** Resolves once the consumer has joined its group and started fetching (its offsets are fixed). */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/** How far one consumer group of this process is behind on one topic. */
export interface ConsumerLag {
  groupId: string;
  topic: string;
  /** Messages on the topic's partitions after the group's committed offsets. */
  messages: number;
}

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  logger?: BusLogger;
}

const SESSION_TIMEOUT_MS = 6000;

/** The most bytes of messages one produce request carries: below a broker's default 1 MB record batch. */
const SEND_BYTES = 768 * 1024;

const sizeOf = (m: OutgoingMessage) =>
  Buffer.byteLength(m.key) + Buffer.byteLength(m.value) + Object.entries(m.headers ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);

/** Consecutive runs of messages of at most `budget` bytes each (a larger message alone), in order. */
export function bySize(messages: OutgoingMessage[], budget: number): OutgoingMessage[][] {
  const runs: OutgoingMessage[][] = [];
  let run: OutgoingMessage[] = [];
  let used = 0;
  for (const m of messages) {
    const size = sizeOf(m);
    if (run.length > 0 && used + size > budget) {
      runs.push(run);
      run = [];
      used = 0;
    }
    run.push(m);
    used += size;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

const silent: BusLogger = { debug() {}, info() {}, warn() {}, error() {} };

function headersOf(raw: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    if (value !== undefined) out[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  return out;
}

/**
 * The only place that knows kafkajs. Everything else speaks in OutgoingMessage / IncomingMessage,
 * so the client library can be swapped without touching services.
 */
export class KafkaBus {
  private readonly kafka: Kafka;
  private readonly logger: BusLogger;
  private producer?: Promise<Producer>;
  private admin?: Promise<Admin>;
  private readonly consumers = new Set<Consumer>();
  /**
   * What this process's consumers read: the groups whose lag `consumerLag` reports, with the first
   * offset each partition handed this process (`topic:partition`), where the group started it.
   */
  private readonly subscriptions = new Map<Consumer, { groupId: string; topics: string[]; started: Map<string, bigint>; stop(): Promise<void> }>();

  constructor(options: KafkaBusOptions) {
    this.logger = repeatLimited(options.logger ?? silent);
    const logger = this.logger;
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      connectionTimeout: 3000,
      requestTimeout: 10000,
      retry: { initialRetryTime: 100, retries: 5, maxRetryTime: 3000 },
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ level, log }: LogEntry) => {
          const { message, ...rest } = log;
          if (level <= logLevel.ERROR) logger.warn({ kafka: rest }, `kafka: ${message}`);
          else if (level === logLevel.WARN) logger.debug({ kafka: rest }, `kafka: ${message}`);
        },
    });
  }

  /**
   * Sends in order and waits for every in-sync replica to acknowledge. One request carries at most
   * SEND_BYTES of messages (a larger message goes alone): the messages of one partition travel as
   * one record batch, which the broker refuses whole beyond its `message.max.bytes` (1 MB by
   * default), however small each message is.
   */
  async publish(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const producer = await this.getProducer();
    for (const request of bySize(messages, SEND_BYTES)) {
      const byTopic = new Map<string, { key: string; value: string; headers?: Record<string, string> }[]>();
      for (const m of request) {
        const list = byTopic.get(m.topic) ?? [];
        list.push({ key: m.key, value: m.value, headers: m.headers });
        byTopic.set(m.topic, list);
      }
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })),
      });
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      // A member that dies without leaving (kill -9, a crashed host) holds its partitions until its
      // session times out, and a restarted process of the same group waits that long to rejoin:
      // keys' reactions, which end a user's keys, must not stall for long. 6 s is the broker's
      // lowest accepted (group.min.session.timeout.ms); handlers that retry heartbeat meanwhile.
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: SESSION_TIMEOUT_MS / 3,
      maxWaitTimeInMs: 1000,
      retry: {
        initialRetryTime: 200,
        retries: 8,
        // A broker outage must not end consumption: restart and resume from the committed offset.
        restartOnFailure: async (error) => {
          this.logger.warn({ err: error.message, groupId: options.groupId }, 'consumer restarting');
          return true;
        },
      },
    });
    this.consumers.add(consumer);
    const started = new Map<string, bigint>();
    const ready = new Promise<void>((resolve) => {
      // FETCH fires after a completed fetch, so a new group's starting offsets are resolved by then.
      const off = consumer.on(consumer.events.FETCH, () => {
        off();
        resolve();
      });
    });
    // Where the group starts the partitions it has no committed offset on (best effort: read just
    // after it positioned itself), until it is handed a message there or commits. A stopped
    // subscription waits for that read, so that nothing of it outlives the subscription.
    let stopped = false;
    let startsRead: Promise<void> | undefined;
    const stop = async () => {
      stopped = true;
      this.consumers.delete(consumer);
      this.subscriptions.delete(consumer);
      await consumer.disconnect();
      await startsRead;
    };
    this.subscriptions.set(consumer, { groupId: options.groupId, topics: options.topics, started, stop });
    void ready.then(() => {
      if (stopped) return;
      startsRead = this.getAdmin()
        .then((admin) => Promise.all(options.topics.map(async (topic) => ({ topic, offsets: await admin.fetchTopicOffsets(topic) }))))
        .then((topics) => {
          for (const { topic, offsets } of topics) {
            for (const p of offsets) if (!started.has(`${topic}:${p.partition}`)) started.set(`${topic}:${p.partition}`, BigInt(options.fromBeginning ? p.low : p.high));
          }
        })
        .catch(() => undefined);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? false });
    await consumer.run({
      autoCommit: true,
      eachMessage: async ({ topic, partition, message, heartbeat }) => {
        const at = `${topic}:${partition}`;
        if (!started.has(at)) started.set(at, BigInt(message.offset)); // handed before the start was read
        await options.handle(
          {
            topic,
            partition,
            offset: message.offset,
            key: message.key ? message.key.toString('utf8') : null,
            value: message.value,
            headers: headersOf(message.headers as Record<string, unknown> | undefined),
          },
          heartbeat,
        );
      },
    });
    return { ready, stop };
  }

  /** Throws unless a broker answers a metadata request within the timeout. */
  async ping(timeoutMs = 2000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        // Connecting counts too: a broker that takes connections and never answers held it for 10 s.
        this.getAdmin().then((admin) => admin.describeCluster()),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer from Kafka within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * For each group and topic this process consumes: the messages published and not yet consumed,
   * from the group's committed offsets to the partitions' ends (what the broker itself knows, so a
   * stuck or crashed consumer shows, not only a slow one). On a partition the group has not
   * committed on yet, it is behind from where it started (see `subscribe`).
   */
  async consumerLag(): Promise<ConsumerLag[]> {
    if (this.subscriptions.size === 0) return [];
    const admin = await this.getAdmin();
    const ends = new Map<string, Promise<Map<number, bigint>>>();
    const endsOf = (topic: string) => {
      let end = ends.get(topic);
      if (!end) ends.set(topic, (end = admin.fetchTopicOffsets(topic).then((ps) => new Map(ps.map((p) => [p.partition, BigInt(p.high)])))));
      return end;
    };
    const lags = await Promise.all(
      [...this.subscriptions.values()].map(async ({ groupId, topics, started }) => {
        const committed = await admin.fetchOffsets({ groupId, topics });
        return Promise.all(
          committed.map(async ({ topic, partitions }) => {
            const end = await endsOf(topic);
            let behind = 0n;
            for (const { partition, offset } of partitions) {
              const committed = BigInt(offset);
              const at = committed >= 0n ? committed : started.get(`${topic}:${partition}`);
              if (at !== undefined) behind += (end.get(partition) ?? at) - at;
            }
            return { groupId, topic, messages: Number(behind) };
          }),
        );
      }),
    );
    return lags.flat();
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.subscriptions.values()].map((s) => s.stop()));
    await Promise.allSettled([...this.consumers].map((c) => c.disconnect()));
    this.consumers.clear();
    this.subscriptions.clear();
    const [producer, admin] = [this.producer, this.admin];
    this.producer = undefined;
    this.admin = undefined;
    await Promise.allSettled([producer?.then((p) => p.disconnect()), admin?.then((a) => a.disconnect())]);
  }

  private getProducer(): Promise<Producer> {
    if (!this.producer) {
      // One request in flight keeps retried batches in order within a partition.
      const producer = this.kafka.producer({ maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: rememberingPartitioner });
      this.producer = producer.connect().then(() => producer);
      this.producer.catch(() => (this.producer = undefined));
    }
    return this.producer;
  }

  private getAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      this.admin = admin.connect().then(() => admin);
      this.admin.catch(() => (this.admin = undefined));
    }
    return this.admin;
  }
}

/**
 * Kafka's default partitioner (murmur2 of the key, as the Java client does), remembering each key's
 * partition per topic and partition count. An aggregate's events all carry its id as the key, so a
 * busy stream hashes its key once instead of once per message: in a relay sending ten thousand
 * events a second, the hash was the producer's largest single cost.
 */
export const rememberingPartitioner: ICustomPartitioner = () => {
  const partitioner = Partitioners.DefaultPartitioner();
  const known = new Map<string, number>();
  return (args) => {
    const { key } = args.message;
    if (key === null || key === undefined || args.message.partition !== undefined) return partitioner(args);
    const name = `${args.topic}\u0000${args.partitionMetadata.length}\u0000${String(key)}`;
    let partition = known.get(name);
    if (partition === undefined) {
      partition = partitioner(args);
      if (known.size >= 10_000) known.clear();
      known.set(name, partition);
    }
    return partition;
  };
};
