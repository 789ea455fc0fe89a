import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { ExpressionSandbox } from './expression-sandbox';

jest.setTimeout(30_000);

/** The environment of each of this process's expression processes, as the system holds it. */
function evaluatorEnvironments(): Record<string, string>[] {
  const pids = execFileSync('pgrep', ['-P', String(process.pid), '-f', 'evaluator-process'], { encoding: 'utf8' }).trim().split('\n').map(Number);
  return pids.map((pid) =>
    Object.fromEntries(
      fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
    ),
  );
}

describe('the expression processes’ environment', () => {
  const secrets = { INTERNAL_SECRET: 'i'.repeat(32), KEY_PEPPER: 'k'.repeat(32), OPERATOR_TOKEN: 'o'.repeat(24), DATABASE_URL: 'postgres://flows:secret@db/flows' };
  let sandbox: ExpressionSandbox;

  beforeAll(async () => {
    Object.assign(process.env, secrets, { TZ: 'Europe/Paris' });
    sandbox = new ExpressionSandbox({ FLOWS_EXPRESSION_PROCESSES: 2, FLOWS_EXPRESSION_MEMORY_MB: 64, FLOWS_EXPRESSION_STEP_LIMIT_MS: 2000, FLOWS_EXPRESSION_MAX_VALUE_MB: 1 });
    await sandbox.onModuleInit();
  });
  afterAll(async () => {
    await sandbox?.onApplicationShutdown();
    for (const name of Object.keys(secrets)) delete process.env[name];
  });

  it('holds none of the service’s secrets, only what evaluating needs', async () => {
    expect(await sandbox.evaluate({ expression: '1 + 1', root: {}, bindings: {} }, new AbortController().signal)).toBe(2);
    const environments = evaluatorEnvironments();
    expect(environments).toHaveLength(2);
    for (const env of environments) {
      for (const name of Object.keys(secrets)) expect(env).not.toHaveProperty(name);
      expect(env.TZ).toBe('Europe/Paris');
      expect(Object.values(env).join('\n')).not.toContain('secret');
    }
  });
});
