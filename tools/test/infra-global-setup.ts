import './register-paths';
import { ALL_TOPICS } from '@tollgate/contracts';
import { ensureTopics, resolveKafka } from '../kafka/local-kafka';
import { resolvePostgres, type ResolvedPostgres } from '../db/local-postgres';

/**
 * Integration tier: a real broker (KAFKA_BROKERS, a running local one, or one started here) with
 * every topic created, and a PostgreSQL server (given, local, or embedded). Workers inherit KAFKA_BROKERS.
 */
export default async function infraGlobalSetup(): Promise<void> {
  const kafka = await resolveKafka();
  await ensureTopics(kafka.brokers, ALL_TOPICS.map((topic) => ({ topic })));
  process.env.KAFKA_BROKERS = kafka.brokers;
  (globalThis as { __tollgateKafka?: typeof kafka }).__tollgateKafka = kafka;

  // Given (the suite runner resolves one for all tiers), local, or embedded: workers inherit DATABASE_URL.
  (globalThis as { __tollgatePostgres?: ResolvedPostgres }).__tollgatePostgres = await resolvePostgres();
}
