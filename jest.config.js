// Test tiers live in the file name: *.unit.spec.ts (no I/O), *.int.spec.ts (real PostgreSQL and
// Kafka), *.e2e.spec.ts (the running platform, through the gateway).
const swc = ['@swc/jest', require('./tools/test/swc-options.cjs')];

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^@tollgate/(.*)$': '<rootDir>/libs/$1/src' },
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/tools'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};
/**
 * Tests that talk to real PostgreSQL, Kafka, services and Chromium are not timed (speed lives in
 * bench/): this only ends one that hangs. Jest's 5 s default failed a browser test on a loaded
 * 2-core machine that was merely slow.
 */
const talksToRealParts = { testTimeout: 30_000 };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['**/*.unit.spec.ts'] },
    {
      ...common,
      ...talksToRealParts,
      displayName: 'int',
      testMatch: ['**/*.int.spec.ts'],
      globalSetup: '<rootDir>/tools/test/infra-global-setup.ts',
      globalTeardown: '<rootDir>/tools/test/infra-global-teardown.ts',
    },
    {
      ...common,
      ...talksToRealParts,
      displayName: 'e2e',
      testMatch: ['**/*.e2e.spec.ts'],
      globalSetup: '<rootDir>/tools/test/platform-global-setup.ts',
      globalTeardown: '<rootDir>/tools/test/platform-global-teardown.ts',
    },
  ],
};
