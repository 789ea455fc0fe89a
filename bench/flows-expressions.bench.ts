/**
 * What evaluating flows' expressions apart from the service costs: the same expressions evaluated
 * in this process and through the expression sandbox (FLOWS_EXPRESSION_PROCESSES processes),
 * one at a time and 64 at once, with this process's CPU per evaluation. Three shapes: a step's
 * small expression over a small run, a per-record expression over 1,000 records, and an expression
 * over a run that holds 10,000 records. No platform needed. Run with
 *   npx tsx bench/flows-expressions.bench.ts
 */
import { ExpressionSandbox } from '../apps/flows/src/engine/sandbox/expression-sandbox';
import { InProcessEvaluator, type EvaluationRequest, type Evaluator } from '../apps/flows/src/engine/sandbox/evaluation';
import { runBench } from './bench-platform';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

const input = { body: { n: 1 }, headers: { host: 'gateway', 'content-type': 'application/json' }, contentType: 'application/json', url: '/api/1/action/Bench/Trivial/trigger' };
const small: EvaluationRequest = { expression: '[$input.body.n]', root: { input, steps: {}, last: undefined }, bindings: { input, steps: {}, last: undefined, processId: 'run_1' } };

const records = Array.from({ length: 10_000 }, (_, i) => ({ id: `a${i}`, title: `Action ${i}`, status: i % 3 ? 'open' : 'done', due_date: '2026-03-01' }));
const steps = { overdue: records };
const perRecord: EvaluationRequest = {
  expression: '"Review overdue action: " & title',
  root: undefined,
  bindings: { input },
  each: records.slice(0, 1_000),
};

async function measure(name: string, evaluator: Evaluator, request: EvaluationRequest, count: number, concurrency: number): Promise<void> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    // One signal per caller, as each run has its own.
    Array.from({ length: concurrency }, async () => {
      const signal = new AbortController().signal;
      while (next++ < count) await evaluator.evaluate(request, signal);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  console.log(`${name.padEnd(44)} x${String(concurrency).padEnd(3)} ${(count / seconds).toFixed(0).padStart(7)} evaluations/s, this process ${((used.user + used.system) / count).toFixed(1)} µs CPU each`);
}

async function main() {
  const sandbox = new ExpressionSandbox({ FLOWS_EXPRESSION_PROCESSES: Number(process.env.FLOWS_EXPRESSION_PROCESSES ?? 2), FLOWS_EXPRESSION_MEMORY_MB: 256, FLOWS_EXPRESSION_STEP_LIMIT_MS: 10_000, FLOWS_EXPRESSION_MAX_VALUE_MB: 32 });
  await sandbox.onModuleInit();
  const inProcess = new InProcessEvaluator();
  // A run state that holds the 10,000 records of an earlier step: what an evaluation over the run copies.
  const overRun: EvaluationRequest = { expression: '$count($steps.overdue)', root: { input, steps, last: records }, bindings: { input, steps, last: records, processId: 'run_1' } };
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`round ${round}`);
      await measure('small expression, in this process', inProcess, small, 20_000, 1);
      await measure('small expression, sandbox', sandbox, small, 20_000, 1);
      await measure('small expression, sandbox', sandbox, small, 20_000, 64);
      await measure('1,000 records, in this process', inProcess, perRecord, 200, 1);
      await measure('1,000 records, sandbox', sandbox, perRecord, 200, 1);
      await measure('over a run holding 10,000 records, in this process', inProcess, overRun, 200, 1);
      await measure('over a run holding 10,000 records, sandbox', sandbox, overRun, 200, 1);
    }
  } finally {
    await sandbox.onApplicationShutdown();
  }
}

runBench(main);
