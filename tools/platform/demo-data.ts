import type { DemoContext } from './demo/demo-context';
import type { RunningPlatform } from './launch-platform';

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
    lines: [],
  };
  const seeders: ((ctx: DemoContext) => Promise<void>)[] = [
    // identity, then query, then flows: each seeder is added here by its area.
  ];
  for (const seed of seeders) await seed(context);
  return { lines: context.lines };
}
