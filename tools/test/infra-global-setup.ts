import './register-paths';
import { Client } from 'pg';
import { ALL_TOPICS } from '@tollgate/contracts';
import { ensureTopics, resolveKafka } from '../kafka/local-kafka';

/**
 * Integration tier: a real broker (KAFKA_BROKERS, a running local one, or one started here) with
 * every topic created, and a reachable PostgreSQL server. Workers inherit KAFKA_BROKERS.
 */
export default async function infraGlobalSetup(): Promise<void> {
  const kafka = await resolveKafka();
  await ensureTopics(kafka.brokers, ALL_TOPICS.map((topic) => ({ topic })));
  process.env.KAFKA_BROKERS = kafka.brokers;
  (globalThis as { __tollgateKafka?: typeof kafka }).__tollgateKafka = kafka;

  const pg = new Client({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
  await pg.connect();
  await pg.end();
}
