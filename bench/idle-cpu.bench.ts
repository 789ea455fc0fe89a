/**
 * What an idle platform costs: starts every service (built into .data/bench-dist-idle) with fresh
 * databases, lets it settle, then prints the CPU each process (services, PostgreSQL, Kafka) uses
 * over BENCH_SECONDS (10) of doing nothing, as a share of one core. Run with
 *   npx tsx bench/idle-cpu.bench.ts
 */
import * as fs from 'node:fs';
import { startBenchPlatform } from './bench-platform';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SETTLE_SECONDS = 5;

/** CPU seconds (user + system) the process has used so far; 0 once it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function processGroups(distDir: string): Record<string, number[]> {
  const groups: Record<string, number[]> = {};
  const add = (name: string, pid: number) => (groups[name] ??= []).push(pid);
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const service = new RegExp(`${distDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/apps/(\\w+)/src/main\\.js`).exec(cmd);
      if (service) add(service[1], Number(pid));
      else if (cmd.startsWith('postgres')) add('postgres (all databases)', Number(pid));
      else if (cmd.includes('kafka.Kafka')) add('kafka', Number(pid));
    } catch {
      // gone
    }
  }
  return groups;
}

async function main(): Promise<void> {
  const platform = await startBenchPlatform('idle', 18470);
  try {
    await new Promise((r) => setTimeout(r, SETTLE_SECONDS * 1000));
    const groups = processGroups(platform.distDir);
    const used = (pids: number[]) => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const before = Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, used(pids)]));
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    console.log(`idle platform, ${SECONDS} s after ${SETTLE_SECONDS} s to settle: CPU as % of one core`);
    let total = 0;
    for (const [name, pids] of Object.entries(groups)) {
      const share = ((used(pids) - before[name]) / SECONDS) * 100;
      total += share;
      console.log(`  ${name.padEnd(26)} ${share.toFixed(1).padStart(5)} %`);
    }
    console.log(`  ${'total'.padEnd(26)} ${total.toFixed(1).padStart(5)} %`);
  } finally {
    await platform.stop({ dropDatabases: true });
  }
}

void main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
