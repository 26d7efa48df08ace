import { availableParallelism } from 'node:os';
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

  it('hashes on one thread per core the process gets, 32 waiting per thread, unless told', () => {
    const cores = availableParallelism();
    const one = loadConfig({ DATA_DIR: dataDir(), UV_THREADPOOL_SIZE: '1024' });
    expect(one).toMatchObject({ bcryptThreads: cores, bcryptQueueLimit: 32 * cores });
    // Every worker process has threads of its own: together they use each core once.
    const perCore = loadConfig({ DATA_DIR: dataDir(), WORKERS: 'auto' });
    expect(perCore).toMatchObject({ bcryptThreads: 1, bcryptQueueLimit: 32 });
    const many = loadConfig({ DATA_DIR: dataDir(), WORKERS: String(cores * 4) });
    expect(many.bcryptThreads).toBe(1);
    // A libuv pool kept small keeps hashing small, as before BCRYPT_THREADS.
    const smallPool = loadConfig({ DATA_DIR: dataDir(), UV_THREADPOOL_SIZE: '2' });
    expect(smallPool.bcryptThreads).toBe(1);
    const told = loadConfig({ DATA_DIR: dataDir(), BCRYPT_THREADS: '3', BCRYPT_QUEUE_LIMIT: '0' });
    expect(told).toMatchObject({ bcryptThreads: 3, bcryptQueueLimit: 0 });
    expect(problemsOf({ BCRYPT_THREADS: '0' })).toEqual([
      'BCRYPT_THREADS must be an integer from 1 to 256 (got "0")',
    ]);
  });

  it('waits 5 s for a held SQLite lock unless SQLITE_BUSY_TIMEOUT says otherwise', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).database).toMatchObject({ busyTimeoutMs: 5000 });
    const told = loadConfig({ DATA_DIR: dataDir(), SQLITE_BUSY_TIMEOUT: '250ms' });
    expect(told.database).toMatchObject({ driver: 'sqlite', busyTimeoutMs: 250 });
    expect(problemsOf({ SQLITE_BUSY_TIMEOUT: '2h' })[0]).toMatch(/^SQLITE_BUSY_TIMEOUT /);
  });

  it('keeps the generated development secret across loads', () => {
    const dir = dataDir();
    const a = loadConfig({ DATA_DIR: dir });
    const b = loadConfig({ DATA_DIR: dir });
    expect(a.jwt.secret).toBe(b.jwt.secret);
    expect(Buffer.byteLength(a.jwt.secret)).toBeGreaterThanOrEqual(32);
  });

  it('reports four independent bad values in one error, cross-variable rules included', () => {
    const problems = problemsOf({
      NODE_ENV: 'production',
      SMTP_URL: 'smtp://mail.example.com',
      PORT: 'eighty',
      ACCESS_TOKEN_TTL: 'soon',
      JWT_SECRET: 'short',
      SUPPORTED_LOCALES: 'en,de',
      DEFAULT_LOCALE: 'fr',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^PORT /),
      expect.stringMatching(/^ACCESS_TOKEN_TTL /),
      'JWT_SECRET must be at least 32 bytes long',
      'DEFAULT_LOCALE (fr) must be one of SUPPORTED_LOCALES (en,de)',
    ]);
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
    const mail = { SMTP_URL: 'smtp://127.0.0.1:2525' };
    expect(problemsOf({ NODE_ENV: 'production', ...mail })).toEqual([
      expect.stringMatching(/^JWT_SECRET is required/),
    ]);
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'short', ...mail })).toEqual([
      expect.stringMatching(/^JWT_SECRET.*32 bytes/),
    ]);
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'a'.repeat(40), ...mail })).toEqual([
      expect.stringMatching(/^JWT_SECRET.*sample/),
    ]);
    expect(
      problemsOf({
        NODE_ENV: 'production',
        JWT_SECRET: 'q8s7DkZ1vPz0r2LmN5xYw3Hc9TgB4eJfAaUo6iKs',
        BCRYPT_COST: '8',
        ...mail,
      }),
    ).toEqual([expect.stringMatching(/^BCRYPT_COST/)]);
    expect(
      problemsOf({
        NODE_ENV: 'production',
        JWT_SECRET: 'q8s7DkZ1vPz0r2LmN5xYw3Hc9TgB4eJfAaUo6iKs',
        ...mail,
      }),
    ).toEqual([]);
  });

  it('refuses production without SMTP_URL unless MAIL_TRANSPORT=file says so', () => {
    const production = {
      NODE_ENV: 'production',
      JWT_SECRET: 'q8s7DkZ1vPz0r2LmN5xYw3Hc9TgB4eJfAaUo6iKs',
    };
    expect(problemsOf(production)).toEqual([
      expect.stringMatching(/^SMTP_URL is required in production.*MAIL_TRANSPORT=file/),
    ]);
    const file = loadConfig({ ...production, DATA_DIR: dataDir(), MAIL_TRANSPORT: 'file' });
    expect(file.mail.smtpUrl).toBeNull();
    // file wins over an SMTP_URL left in the environment: it was asked for by name.
    const both = { ...production, MAIL_TRANSPORT: 'file', SMTP_URL: 'smtp://127.0.0.1:2525' };
    expect(loadConfig({ ...both, DATA_DIR: dataDir() }).mail.smtpUrl).toBeNull();
    expect(problemsOf({ MAIL_TRANSPORT: 'smtp' })).toEqual([
      expect.stringMatching(/^MAIL_TRANSPORT=smtp needs SMTP_URL/),
    ]);
    expect(problemsOf({ MAIL_TRANSPORT: 'pigeon' })).toEqual([
      expect.stringMatching(/^MAIL_TRANSPORT must be smtp or file/),
    ]);
    // Development keeps writing .eml files without being told.
    expect(loadConfig({ DATA_DIR: dataDir() }).mail.smtpUrl).toBeNull();
  });

  it('refuses an unset NODE_ENV when HOST is reachable from the network', () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.10', 'auth.internal']) {
      expect(problemsOf({ HOST: host })).toEqual([
        expect.stringMatching(new RegExp(`^NODE_ENV is unset while HOST=${host} `)),
      ]);
    }
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]'])
      expect(problemsOf({ HOST: host })).toEqual([]);
    // Development on a network address is allowed when asked for by name.
    expect(problemsOf({ HOST: '0.0.0.0', NODE_ENV: 'development' })).toEqual([]);
  });

  it('reads TRUST_PROXY as false, a hop count or a list of proxy addresses, and refuses true', () => {
    const trustProxy = (value: string) =>
      loadConfig({ DATA_DIR: dataDir(), TRUST_PROXY: value }).trustProxy;
    expect(trustProxy('false')).toBe(false);
    expect(trustProxy('0')).toBe(false);
    expect(trustProxy('1')).toBe(1);
    expect(trustProxy('2')).toBe(2);
    expect(trustProxy('10.0.0.0/8, 192.168.1.7 ,fd00::/8,loopback')).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
      'fd00::/8',
      'loopback',
    ]);
    for (const value of ['true', 'TRUE', 'yes', 'on'])
      expect(problemsOf({ TRUST_PROXY: value })).toEqual([
        expect.stringMatching(/^TRUST_PROXY=true is refused: .*X-Forwarded-For/),
      ]);
    for (const value of ['10.0.0.0/33', 'my-proxy', '11', '1.5'])
      expect(problemsOf({ TRUST_PROXY: value })).toEqual([expect.stringMatching(/^TRUST_PROXY /)]);
  });

  it('defaults APP_URL to this server: localhost on PORT for loopback hosts, HOST:PORT otherwise', () => {
    const appUrl = (env: Record<string, string>) =>
      loadConfig({ DATA_DIR: dataDir(), ...env }).appUrl;
    expect(appUrl({})).toBe('http://localhost:4000');
    expect(appUrl({ PORT: '4555' })).toBe('http://localhost:4555');
    expect(appUrl({ PORT: '4555', HOST: '::1' })).toBe('http://localhost:4555');
    expect(appUrl({ PORT: '8080', HOST: '0.0.0.0', NODE_ENV: 'development' })).toBe(
      'http://0.0.0.0:8080',
    );
    expect(appUrl({ PORT: '8080', HOST: 'fd00::5', NODE_ENV: 'development' })).toBe(
      'http://[fd00::5]:8080',
    );
    // ... so PAGES=auto serves the pages the default links open.
    expect(loadConfig({ DATA_DIR: dataDir(), PORT: '4555' }).pages.enabled).toBe(true);
    expect(appUrl({ PORT: '4555', APP_URL: 'https://auth.example.com/' })).toBe(
      'https://auth.example.com',
    );
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
