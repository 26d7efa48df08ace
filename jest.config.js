const postgres = Boolean(process.env.AUTHQL_TEST_POSTGRES);

/**
 * Suites that run on SQLite only, because what they check happens before or apart from any database:
 * the HTTP and GraphQL layer, token signing and verification, configuration, hashing, rendering of
 * mails and pages, metrics, the client library, and the documentation. Every other suite runs on both (the dialects differ in locks, conflicts,
 * transactions, migrations and the rate-limit store). The README says so.
 */
const SQLITE_ONLY = [
  // HTTP and GraphQL
  'http',
  'graphql-limits',
  'sandbox',
  'graphiql',
  'production',
  'schema',
  'schema-guard',
  'trusted-proxy',
  // tokens and keys
  'access-token',
  'token-hardening',
  'jwks',
  'key-rotation',
  'keys-cli',
  'mobile-links',
  // configuration
  'config',
  'config-bounds',
  'config-keys',
  'pages-config',
  'passkeys-config',
  // hashing
  'password-hasher',
  'nfc-password',
  'timing',
  // the client library (its behaviour is the client's; the server it talks to is tested on both)
  'client',
  'client-expiry',
  'client-social',
  'client-browser',
  'client-codegen',
  // the admin console (a browser over the same admin API, which runs on both)
  'admin-console',
  // rendering, metrics, pure units, the documentation
  'mail-templates',
  'pages',
  'examples',
  'metrics',
  'cluster-metrics',
  'bounded-map',
  'docs',
];

/** Suites that compare response times: run alone, after the rest (scripts/test.js). */
const SERIAL = ['timing'];
const run = process.env.AUTHQL_TEST_RUN;
const file = (name) => `/tests/${name}\\.test\\.ts$`;

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // *.postgres.test.ts need several processes on one database: PostgreSQL only (`npm run test:postgres`).
  // The PostgreSQL run leaves out the suites whose behaviour no database decides (SQLITE_ONLY).
  testPathIgnorePatterns: [
    ...(postgres ? SQLITE_ONLY.map(file) : ['\\.postgres\\.test\\.ts$']),
    // scripts/test.js (`npm test`) runs the SERIAL suites alone after the rest; plain `jest` runs all.
    ...(run === 'parallel' ? SERIAL.map(file) : []),
    ...(run === 'serial' ? [`^(?!.*/tests/(${SERIAL.join('|')})\\.test\\.ts$)`] : []),
  ],
  // tsconfig's isolatedModules makes ts-jest transpile only: type-checking is `npm run typecheck`'s job.
  transform: {
    '^.+\\.ts$': 'ts-jest',
    // jose, otplib's default crypto and Base32 plugins (@noble/hashes, @scure/base), openid-client (with
    // oauth4webapi), the test OpenID provider and intl-messageformat (with @formatjs) are ESM-only, and
    // jest's CommonJS runtime cannot require() them: transpile their files too.
    '/(jose/dist|@noble/hashes|@scure/base|openid-client/build|oauth4webapi/build|oidc-provider/lib|intl-messageformat|@formatjs/[^/]+)/.+\\.js$':
      [
        'ts-jest',
        {
          tsconfig: { allowJs: true, isolatedModules: true, module: 'commonjs', target: 'ES2022' },
        },
      ],
  },
  transformIgnorePatterns: [
    '/node_modules/(?!(jose|@noble/hashes|@scure/base|openid-client|oauth4webapi|oidc-provider|intl-messageformat|@formatjs)/)',
  ],
  setupFiles: ['reflect-metadata'],
  globalSetup: '<rootDir>/tests/helpers/global-setup.js',
  globalTeardown: '<rootDir>/tests/helpers/global-teardown.js',
  // Test files are independent (each server has its own database, ports and inbox): one worker per
  // core, where jest's default leaves one core idle. Three workers on two cores once finished sooner,
  // but then starved the process tests' servers past their start-up deadline and failed in cascade.
  maxWorkers: '100%',
  testTimeout: 30000,
};
