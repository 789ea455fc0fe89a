import type { DataSource } from 'typeorm';
import type { KafkaBus, OutboxRelay } from '@tollgate/event-sourcing';
import type { ReadinessCheck } from './readiness-check';

export const databaseCheck = (dataSource: DataSource): ReadinessCheck => ({
  name: 'database',
  async check() {
    await dataSource.query('SELECT 1');
  },
});

export const kafkaCheck = (bus: KafkaBus): ReadinessCheck => ({
  name: 'kafka',
  async check() {
    await bus.ping(1500);
  },
});

/** A backlog that is old means the relay cannot publish: the service is not doing its job. */
export const outboxCheck = (relay: OutboxRelay, maxAgeMs = 30_000): ReadinessCheck => ({
  name: 'outbox',
  async check() {
    const backlog = await relay.backlog();
    if (backlog.oldestAgeMs > maxAgeMs) {
      throw new Error(`${backlog.count} events waiting, oldest ${Math.round(backlog.oldestAgeMs)} ms`);
    }
    return { backlog: backlog.count };
  },
});
