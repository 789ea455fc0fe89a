import * as path from 'node:path';
import type { DemoContext } from './demo/demo-context';
import { seedIdentityDemo } from './demo/identity.demo';
import { seedQueryDemo } from './demo/query.demo';
import type { RunningPlatform } from './launch-platform';
import { seedFlowsDemo } from './demo/flows.demo';

export interface DemoResult {
  /** Lines for the start banner: what was created and how to use it. */
  lines: string[];
}

/**
 * Seeds the demo instance through the public API (with the operator token), so the demo
 * exercises exactly what clients use. Seeders run in order (identity first: the others need its
 * keys) and are safe to run again: existing demo data is left as it is.
 */
export async function seedDemoData(platform: RunningPlatform): Promise<DemoResult> {
  const context: DemoContext = {
    gatewayUrl: platform.gatewayUrl,
    operatorToken: platform.secrets.OPERATOR_TOKEN,
    instanceId: 'demo',
    ...(platform.secretsFile ? { stateFile: path.join(path.dirname(platform.secretsFile), 'demo.json') } : {}),
    lines: [],
  };
  const seeders: ((ctx: DemoContext) => Promise<void>)[] = [
    seedIdentityDemo,
    seedQueryDemo,
    // identity, then query, then flows: each seeder is added here by its area.
    seedFlowsDemo,
  ];
  for (const seed of seeders) await seed(context);
  return { lines: context.lines };
}
