import * as fs from 'node:fs';

/** What benchmarks read about the processes under test, from /proc. */

/** Command lines of every running process, by pid. */
function commandLines(): Map<number, string> {
  const out = new Map<number, string>();
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      out.set(Number(pid), fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      // gone
    }
  }
  return out;
}

/** Resident memory of a process in bytes; 0 once it is gone. */
export function rssOf(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds (user + system) a process has used so far, with that of its children that have
 * ended (PostgreSQL's backends, once the postmaster has reaped them); 0 once it is gone.
 */
export function cpuSeconds(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    // utime, stime, cutime, cstime, in clock ticks
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds each named group of processes has used so far. Take the groups afresh for each
 * reading: a backend that starts between two readings counts only if the second one sees it, and
 * one that ends in between is counted by its parent (see cpuSeconds).
 */
export function cpuSecondsByGroup(groups: Record<string, number[]>): Record<string, number> {
  return Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0)]));
}

/** The pid of each platform service started from distDir, by service name. */
export function servicePids(distDir: string): Record<string, number> {
  const service = new RegExp(`${distDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/apps/(\\w+)/src/main\\.js`);
  const out: Record<string, number> = {};
  for (const [pid, cmd] of commandLines()) {
    const m = service.exec(cmd);
    if (m) out[m[1]] = pid;
  }
  return out;
}

/**
 * The platform's processes in groups: each service started from distDir, PostgreSQL (the
 * postmaster and every backend, whichever database), Kafka, and the reference proxies (nginx,
 * bench/node-proxy.ts) when they run.
 */
export function platformProcesses(distDir: string): Record<string, number[]> {
  const groups: Record<string, number[]> = Object.fromEntries(Object.entries(servicePids(distDir)).map(([name, pid]) => [name, [pid]]));
  groups.postgres = [];
  groups.kafka = [];
  groups.nginx = [];
  groups['node proxy'] = [];
  for (const [pid, cmd] of commandLines()) {
    // Backends name themselves `postgres: …`; the postmaster runs as `…/bin/postgres`, and must be
    // counted: a backend that ends between two readings leaves its CPU time only in the postmaster's.
    if (cmd.startsWith('postgres') || cmd.split('\0')[0].endsWith('/postgres')) groups.postgres.push(pid);
    else if (cmd.includes('kafka.Kafka')) groups.kafka.push(pid);
    else if (cmd.startsWith('nginx')) groups.nginx.push(pid);
    else if (cmd.includes('bench/node-proxy.ts')) groups['node proxy'].push(pid);
  }
  return groups;
}

/** The pids of a process's children (threads' children included only for its main thread). */
export function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A process's command name (`comm`); empty once it is gone. */
export function commandOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}
