/* global module */
// How TypeScript is compiled for tests: by the test runner (jest.config.js) and for services a test
// spawns straight from their sources (apps/credits/src/testing/swc-register.cjs). Decorator
// metadata is on, as NestJS needs it.
module.exports = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
