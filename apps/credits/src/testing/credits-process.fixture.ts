import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { testBrokers } from '@tollgate/testing';
import { INTERNAL_SECRET } from './credits-app.fixture';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

export interface LoggedProcess {
  /** Every line it printed so far, stdout and stderr. */
  lines: string[];
  exited: Promise<number | null>;
  kill(): void;
}

/** The credits service from its sources, as its own process, with what it prints kept line by line. */
export function startCreditsProcess(env: Record<string, string>): LoggedProcess {
  const lines: string[] = [];
  let pending = '';
  const child = spawn(process.execPath, ['-r', path.join(__dirname, 'swc-register.cjs'), path.join(__dirname, '..', 'main.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, KAFKA_BROKERS: testBrokers().join(','), INTERNAL_SECRET, HOST: '127.0.0.1', LOG_LEVEL: 'warn', RESET_SCAN_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer) => {
    const parts = (pending + chunk.toString()).split('\n');
    pending = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { lines, exited, kill: () => child.kill('SIGKILL') };
}

export type LogEntry = { level: number; msg?: string; err?: { message?: string } } | { notJson: string };

export const parseLogLine = (line: string): LogEntry => {
  try {
    return JSON.parse(line) as LogEntry;
  } catch {
    return { notJson: line };
  }
};
