import type { RunningPlatform } from '../platform/launch-platform';

export default async function platformGlobalTeardown(): Promise<void> {
  const platform = (globalThis as { __tollgatePlatform?: RunningPlatform }).__tollgatePlatform;
  await platform?.stop({ dropDatabases: process.env.E2E_KEEP_DATABASES !== 'true' });
}
