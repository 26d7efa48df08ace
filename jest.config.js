/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['\\.postgres\\.test\\.ts$'],
  // tsconfig's isolatedModules makes ts-jest transpile only: type-checking is `npm run typecheck`'s job.
  transform: { '^.+\\.ts$': 'ts-jest' },
  setupFiles: ['reflect-metadata'],
  testTimeout: 30000,
};
