import * as path from 'node:path';
import { buildServices } from '../tools/platform/build-services';
import { launchPlatform, type RunningPlatform } from '../tools/platform/launch-platform';

const REPO = path.resolve(__dirname, '..');

/**
 * A platform of the benchmark's own on basePort, with fresh databases, built from the sources
 * into `.data/bench-dist-<name>` (or from BENCH_DIST when set, to skip the build). The services
 * run with the node flags docker-compose.yml gives them (no source maps).
 */
export async function startBenchPlatform(name: string, basePort: number, env: Record<string, string> = {}): Promise<RunningPlatform> {
  const distDir = process.env.BENCH_DIST || path.join(REPO, '.data', `bench-dist-${name}`);
  if (!process.env.BENCH_DIST) {
    console.log(`building into ${path.relative(REPO, distDir)} …`);
    buildServices(distDir);
  }
  return launchPlatform({
    basePort,
    databasePrefix: `tollgate_bench_${basePort}`,
    freshDatabases: true,
    distDir,
    logDir: path.join(REPO, '.data', `bench-logs-${basePort}`),
    env: { LOG_LEVEL: 'warn', ...env },
    sourceMaps: false,
  });
}

/** Runs a benchmark's main: exit 0 once it has printed its figures, 1 with the error otherwise. */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
