import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ConsumerLag } from '@tollgate/event-sourcing';
import { withTimeout } from '../with-timeout';

/** One registry per process; every module adds its series here. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

export const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by route and status',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});

export const httpRequestsAborted = new Counter({
  name: 'http_requests_aborted_total',
  help: 'Requests whose client closed the connection before any answer was sent, by route',
  labelNames: ['method', 'route'] as const,
  registers: [metricsRegistry],
});

const eventsDeadLettered = new Counter({
  name: 'tollgate_events_dead_lettered_total',
  help: 'Messages this process\'s consumers moved to <topic>.dlq (invalid, or refused for good by their handler), by original topic',
  labelNames: ['topic'] as const,
  registers: [metricsRegistry],
});

/** For consumers' `onDeadLettered`. */
export function countDeadLettered(topic: string): void {
  eventsDeadLettered.inc({ topic });
}

let outbox: { published: Counter; lag: Histogram } | undefined;

/**
 * The outbox relay's series, registered by the first relay of the process: a process without an
 * outbox (the gateway) shows none, rather than a count that stays 0 and reads as a stuck relay.
 */
export function outboxMetrics(): { published: Counter; lag: Histogram } {
  outbox ??= {
    published: new Counter({
      name: 'tollgate_outbox_published_total',
      help: 'Events published from the outbox to Kafka',
      registers: [metricsRegistry],
    }),
    lag: new Histogram({
      name: 'tollgate_outbox_commit_to_publish_seconds',
      help: 'Time from an outbox row being written to its batch being acknowledged by Kafka (oldest row of each batch)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
      registers: [metricsRegistry],
    }),
  };
  return outbox;
}

const GAUGE_COLLECT_TIMEOUT_MS = 1000;

const lagSources = new Set<() => Promise<ConsumerLag[]>>();

new Gauge({
  name: 'tollgate_consumer_lag_messages',
  help: 'Messages on a topic that a consumer group of this process has not consumed yet (log end minus committed offset), by group and topic',
  labelNames: ['group', 'topic'] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    for (const source of lagSources) {
      try {
        for (const { groupId, topic, messages } of await withTimeout(source(), GAUGE_COLLECT_TIMEOUT_MS)) this.set({ group: groupId, topic }, messages);
      } catch {
        // Kafka away or slow: no samples this scrape (readiness says what is down), the rest is served.
      }
    }
  },
});

/** Adds a process's consumer groups to `tollgate_consumer_lag_messages`; returns the way to take them off. */
export function reportConsumerLag(source: () => Promise<ConsumerLag[]>): () => void {
  lagSources.add(source);
  return () => lagSources.delete(source);
}

/**
 * A gauge read from a dependency at each scrape. When the dependency fails or hangs, the gauge
 * has no sample for that scrape (readiness says what is down) and every other series is still
 * served: a database outage must not cost the operator the metrics that show it.
 */
export function registerGauge(name: string, help: string, collect: () => Promise<number>): Gauge {
  return new Gauge({
    name,
    help,
    registers: [metricsRegistry],
    async collect() {
      try {
        this.set(await withTimeout(collect(), GAUGE_COLLECT_TIMEOUT_MS));
      } catch {
        this.remove();
      }
    },
  });
}
