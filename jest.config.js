// Jest runs in ESM mode (NestJS 12 is ESM-only); @swc/jest keeps decorator metadata for DI.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
        },
        module: { type: 'es6' },
      },
    ],
  },
  // CommonJS dependencies that require() ESM-only packages get the ESM instances (see the file).
  setupFiles: ['<rootDir>/test/support/esm-for-cjs.setup.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  // The contract test: every response of an end-to-end test is checked against docs/openapi.json.
  setupFilesAfterEnv: ['<rootDir>/test/support/contract.setup.ts'],
  globalTeardown: '<rootDir>/test/support/contract-report.ts',
  testTimeout: 30000,
  // Every suite closes its apps, pools and queues; a stray reconnect timer of a Redis client (e.g.
  // after the Redis-down tests) must not keep CI waiting once all results are in.
  forceExit: true,
};
