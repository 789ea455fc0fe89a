import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

describe('npm start with a bad PORT', () => {
  it.each([
    ['abc', 'PORT: Expected number, received nan'],
    ['65533', 'PORT: must leave the next four ports for the services (at most 65531)'],
  ])('PORT=%s stops before starting anything, naming the variable', (value, problem) => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'tools', 'platform', 'start.ts')], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: value },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stdout).not.toContain('Starting Tollgate');
    expect(run.stderr).toBe(`Tollgate did not start: Invalid configuration:\n  ${problem}\n`);
  });
});
