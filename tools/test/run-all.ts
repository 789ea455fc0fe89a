import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALL_TOPICS } from '../../libs/contracts/src/topics';
import { ensureTopics, resolveKafka } from '../kafka/local-kafka';
import { resolvePostgres } from '../db/local-postgres';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const TIERS = ['unit', 'int', 'e2e'] as const;

interface JestSummary {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTotalTestSuites: number;
  success: boolean;
}

/**
 * The whole suite, one broker and one PostgreSQL server for all of it: unit, then integration against the real PostgreSQL
 * and Kafka, then end to end over the running platform. Ends with one 'N passed, N failed' line.
 */
async function main(): Promise<number> {
  const kafka = await resolveKafka();
  await ensureTopics(kafka.brokers, ALL_TOPICS.map((topic) => ({ topic })));
  const postgres = await resolvePostgres(); // sets DATABASE_URL, which every tier inherits
  const totals = { passed: 0, failed: 0, skipped: 0 };
  let ok = true;
  try {
    for (const tier of TIERS) {
      const report = path.join(REPO_ROOT, '.data', `jest-${tier}.json`);
      fs.mkdirSync(path.dirname(report), { recursive: true });
      fs.rmSync(report, { force: true });
      process.stdout.write(`\n=== ${tier} tests ===\n`);
      const result = spawnSync(
        path.join(REPO_ROOT, 'node_modules', '.bin', 'jest'),
        ['--selectProjects', tier, '--json', `--outputFile=${report}`, ...(tier === 'unit' ? [] : ['--runInBand'])],
        {
          cwd: REPO_ROOT,
          stdio: 'inherit',
          env: { ...process.env, KAFKA_BROKERS: kafka.brokers, E2E_DIST_DIR: process.env.E2E_DIST_DIR ?? 'dist' },
        },
      );
      if (!fs.existsSync(report)) {
        ok = false;
        process.stdout.write(`${tier}: jest produced no report (exit ${result.status})\n`);
        continue;
      }
      const summary = JSON.parse(fs.readFileSync(report, 'utf8')) as JestSummary;
      totals.passed += summary.numPassedTests;
      totals.failed += summary.numFailedTests;
      totals.skipped += summary.numPendingTests;
      if (!summary.success || result.status !== 0) ok = false;
      if (summary.numTotalTestSuites === 0) {
        ok = false;
        process.stdout.write(`${tier}: no test suites found\n`);
      }
    }
  } finally {
    await kafka.stop();
    await postgres.stop();
  }
  process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
  return ok && totals.failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`test run failed to start: ${(error as Error).stack}\n`);
    process.exit(1);
  },
);
