/**
 * What an idle platform costs: starts every service (built into .data/bench-dist-idle) with fresh
 * databases, lets it settle, then prints the CPU each process (services, PostgreSQL, Kafka) uses
 * over BENCH_SECONDS (10) of doing nothing, as a share of one core. Run with
 *   npx tsx bench/idle-cpu.bench.ts
 */
import { startBenchPlatform, runBench } from './bench-platform';
import { cpuSecondsByGroup, platformProcesses } from './processes';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SETTLE_SECONDS = 5;

async function main(): Promise<void> {
  const platform = await startBenchPlatform('idle', 18470);
  try {
    await new Promise((r) => setTimeout(r, SETTLE_SECONDS * 1000));
    const groups = () => {
      const { nginx: _none, ...measured } = platformProcesses(platform.distDir);
      return measured;
    };
    const before = cpuSecondsByGroup(groups());
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const after = cpuSecondsByGroup(groups());
    console.log(`idle platform, ${SECONDS} s after ${SETTLE_SECONDS} s to settle: CPU as % of one core`);
    let total = 0;
    for (const name of Object.keys(before)) {
      const share = ((after[name] - before[name]) / SECONDS) * 100;
      total += share;
      console.log(`  ${name.padEnd(26)} ${share.toFixed(1).padStart(5)} %`);
    }
    console.log(`  ${'total'.padEnd(26)} ${total.toFixed(1).padStart(5)} %`);
  } finally {
    await platform.stop({ dropDatabases: true });
  }
}

runBench(main);
