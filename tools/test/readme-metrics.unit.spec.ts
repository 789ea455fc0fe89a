import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

describe('the README’s metrics table', () => {
  it('lists every metric the services register', () => {
    // Every metric of ours is declared with its name as a literal: `name: 'tollgate_…'`.
    const sources = execFileSync('git', ['grep', '-h', '-o', "name: 'tollgate_[a-z_]*'", '--', 'apps', 'libs', ':!*.spec.ts'], { cwd: ROOT, encoding: 'utf8' });
    const registered = [...new Set(sources.trim().split('\n').map((line) => line.slice("name: '".length, -1)))].sort();
    expect(registered.length).toBeGreaterThan(10);
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(registered.filter((name) => !readme.includes(`\`${name}`))).toEqual([]);
  });
});
