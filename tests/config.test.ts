import { loadConfig } from '../src/config';
import { configProblems, tempDataDir } from './helpers/config';

const dataDir = tempDataDir;
const problemsOf = configProblems;

describe('loadConfig', () => {
  it('needs nothing in development and applies the documented defaults', () => {
    const config = loadConfig({ DATA_DIR: dataDir() });
    expect(config).toMatchObject({
      env: 'development',
      port: 4000,
      host: '127.0.0.1',
      database: { driver: 'sqlite' },
      jwt: { issuer: 'authql', audience: 'authql', accessTtlSec: 900 },
      refreshTtlMs: 30 * 24 * 3600 * 1000,
      refreshReuseGraceMs: 10_000,
      activationTtlSec: 24 * 3600,
      resetTtlSec: 3600,
      bcryptCost: 12,
      appUrl: 'http://localhost:4000',
      trustProxy: false,
      rateLimit: {
        store: 'memory',
        signInPerIp: 100,
        signInFailuresPerAccount: 10,
        emailPerAddress: 5,
        emailPerIp: 20,
      },
      mail: { smtpUrl: null, from: 'authql <no-reply@localhost>' },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('keeps the generated development secret across loads', () => {
    const dir = dataDir();
    const a = loadConfig({ DATA_DIR: dir });
    const b = loadConfig({ DATA_DIR: dir });
    expect(a.jwt.secret).toBe(b.jwt.secret);
    expect(Buffer.byteLength(a.jwt.secret)).toBeGreaterThanOrEqual(32);
  });

  it('names every bad variable, one line each', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      ACCESS_TOKEN_TTL: 'forever',
      BCRYPT_COST: '99',
      BCRYPT_QUEUE_LIMIT: 'lots',
      DATABASE_URL: 'mysql://x',
      SMTP_URL: 'http://mail',
      APP_URL: 'not a url',
      TRUST_PROXY: 'maybe',
      NODE_ENV: 'staging',
    });
    for (const name of [
      'PORT',
      'ACCESS_TOKEN_TTL',
      'BCRYPT_COST',
      'BCRYPT_QUEUE_LIMIT',
      'SMTP_URL',
      'APP_URL',
      'TRUST_PROXY',
      'NODE_ENV',
    ]) {
      expect(problems.filter((p) => p.startsWith(name))).toHaveLength(1);
    }
    expect(problemsOf({ DATABASE_URL: 'mysql://x' })).toEqual([
      expect.stringMatching(/^DATABASE_URL/),
    ]);
  });

  it('refuses to start in production without a strong secret', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      expect.stringMatching(/^JWT_SECRET is required/),
    ]);
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toEqual([
      expect.stringMatching(/^JWT_SECRET.*32 bytes/),
    ]);
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'a'.repeat(40) })).toEqual([
      expect.stringMatching(/^JWT_SECRET.*sample/),
    ]);
    expect(
      problemsOf({
        NODE_ENV: 'production',
        JWT_SECRET: 'q8s7DkZ1vPz0r2LmN5xYw3Hc9TgB4eJfAaUo6iKs',
        BCRYPT_COST: '8',
      }),
    ).toEqual([expect.stringMatching(/^BCRYPT_COST/)]);
    expect(
      problemsOf({
        NODE_ENV: 'production',
        JWT_SECRET: 'q8s7DkZ1vPz0r2LmN5xYw3Hc9TgB4eJfAaUo6iKs',
      }),
    ).toEqual([]);
  });

  it('reads PostgreSQL from DATABASE_URL and defaults its rate-limit store to the database', () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/test',
    });
    expect(config.database).toEqual({
      driver: 'postgresql',
      url: 'postgresql://postgres@127.0.0.1:5432/test',
    });
    expect(config.rateLimit.store).toBe('database');
  });
});
