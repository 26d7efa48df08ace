/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // *.postgres.test.ts need several processes on one database: PostgreSQL only (`npm run test:postgres`).
  testPathIgnorePatterns: process.env.AUTHQL_TEST_POSTGRES ? [] : ['\\.postgres\\.test\\.ts$'],
  // tsconfig's isolatedModules makes ts-jest transpile only: type-checking is `npm run typecheck`'s job.
  transform: {
    '^.+\\.ts$': 'ts-jest',
    // jose, otplib's default crypto and Base32 plugins (@noble/hashes, @scure/base), openid-client (with
    // oauth4webapi) and the test OpenID provider are ESM-only, and jest's CommonJS runtime cannot
    // require() them: transpile their files too.
    '/(jose/dist|@noble/hashes|@scure/base|openid-client/build|oauth4webapi/build|oidc-provider/lib)/.+\\.js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, isolatedModules: true, module: 'commonjs', target: 'ES2022' } },
    ],
  },
  transformIgnorePatterns: [
    '/node_modules/(?!(jose|@noble/hashes|@scure/base|openid-client|oauth4webapi|oidc-provider)/)',
  ],
  setupFiles: ['reflect-metadata'],
  globalSetup: '<rootDir>/tests/helpers/global-setup.js',
  testTimeout: 30000,
};
