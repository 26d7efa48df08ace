/**
 * Test servers in production mode (security behaviour as deployed: masked errors, bcrypt cost ≥ 10),
 * quiet unless something goes wrong. Spread into startTestServer's env.
 */
export const PRODUCTION_ENV: Readonly<Record<string, string>> = {
  NODE_ENV: 'production',
  JWT_SECRET: 'q8s7DkZ1vPz0r2LmN5xYw3Hc9TgB4eJfAaUo6iKs-production-mode-tests',
  BCRYPT_COST: '10',
  LOG_LEVEL: 'error',
};
