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

module.exports = {
  // Tests are not timed (speed lives in bench/): this only ends one that hangs. Jest's 5 s default
  // failed a browser test on a loaded 2-core machine that was merely slow. (A global option: Jest
  // 29 takes no timeout per project.)
  testTimeout: 30_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['**/*.unit.spec.ts'] },
    {
      ...common,
      displayName: 'int',
      testMatch: ['**/*.int.spec.ts'],
      globalSetup: '<rootDir>/tools/test/infra-global-setup.ts',
      globalTeardown: '<rootDir>/tools/test/infra-global-teardown.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['**/*.e2e.spec.ts'],
      globalSetup: '<rootDir>/tools/test/platform-global-setup.ts',
      globalTeardown: '<rootDir>/tools/test/platform-global-teardown.ts',
    },
  ],
};
