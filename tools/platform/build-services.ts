import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Compiles every service into `distDir` (as `npm run build` does into dist/), for a private platform. */
export function buildServices(distDir: string): void {
  const bin = (name: string) => path.join(REPO_ROOT, 'node_modules', '.bin', name);
  execFileSync(bin('tsc'), ['-p', 'tsconfig.build.json', '--outDir', distDir], { cwd: REPO_ROOT, stdio: 'inherit' });
  execFileSync(bin('tsc-alias'), ['-p', 'tsconfig.build.json', '--outDir', distDir], { cwd: REPO_ROOT, stdio: 'inherit' });
}
