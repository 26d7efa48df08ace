import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, loadConfig } from '../src/config';
import { parsePrivateKey } from '../src/tokens/keys';
import { configProblems, tempDataDir } from './helpers/config';
import { testKeyPair } from './helpers/keys';

const dataDir = tempDataDir;
const problemsOf = configProblems;

const rsa = testKeyPair('RS256');
const ec = testKeyPair('ES256');
const pem = (key: ReturnType<typeof generateKeyPairSync>['privateKey']) =>
  key.export({ format: 'pem', type: 'pkcs8' }).toString();

describe('JWT_PRIVATE_KEY and JWT_PREVIOUS_PUBLIC_KEYS', () => {
  it('is enough on its own in production: no JWT_SECRET, no secret file, a derived internal key', () => {
    const dir = dataDir();
    const config = loadConfig({
      NODE_ENV: 'production',
      DATA_DIR: dir,
      JWT_PRIVATE_KEY: ec.privatePem,
      SMTP_URL: 'smtp://127.0.0.1:2525',
    });
    expect(config.jwt.privateKeyPem).toBe(ec.privatePem.trim());
    expect(Buffer.byteLength(config.jwt.secret)).toBeGreaterThanOrEqual(32);
    expect(existsSync(join(dir, 'jwt-secret'))).toBe(false);
    // Stable across restarts and processes: refresh rotation and emailed links depend on it.
    const again = loadConfig({
      NODE_ENV: 'production',
      DATA_DIR: dir,
      JWT_PRIVATE_KEY: ec.privatePem,
      SMTP_URL: 'smtp://127.0.0.1:2525',
    });
    expect(again.jwt.secret).toBe(config.jwt.secret);
  });

  it('accepts a PEM with literal \\n, as one-line .env files carry it', () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      JWT_PRIVATE_KEY: rsa.privatePem.replace(/\n/g, '\\n'),
    });
    expect(config.jwt.privateKeyPem).toBe(rsa.privatePem.trim());
  });

  it.each([
    ['garbage', 'not a key'],
    ['a public key', rsa.publicPem],
    ['a broken PEM', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----'],
    ['a 1024-bit RSA key', pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey)],
    ['a P-384 key', pem(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey)],
    ['an Ed25519 key', pem(generateKeyPairSync('ed25519').privateKey)],
  ])('refuses %s with one line naming JWT_PRIVATE_KEY', (_label, value) => {
    expect(problemsOf({ JWT_PRIVATE_KEY: value })).toEqual([
      expect.stringMatching(/^JWT_PRIVATE_KEY /),
    ]);
  });

  it('takes several concatenated public keys, and refuses private keys, text or bad blocks', () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      JWT_PRIVATE_KEY: ec.privatePem,
      JWT_PREVIOUS_PUBLIC_KEYS: `${rsa.publicPem}\n${testKeyPair('ES256').publicPem}`,
    });
    expect(config.jwt.previousPublicKeysPem).toContain(rsa.publicPem.trim());
    for (const bad of [
      rsa.privatePem,
      `${rsa.publicPem}\nhello`,
      'no pem here',
      `${rsa.publicPem}\n-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----`,
    ]) {
      expect(problemsOf({ JWT_PRIVATE_KEY: ec.privatePem, JWT_PREVIOUS_PUBLIC_KEYS: bad })).toEqual(
        [expect.stringMatching(/^JWT_PREVIOUS_PUBLIC_KEYS /)],
      );
    }
    expect(problemsOf({ JWT_PREVIOUS_PUBLIC_KEYS: rsa.publicPem })).toEqual([
      expect.stringMatching(/^JWT_PREVIOUS_PUBLIC_KEYS is only used together with JWT_PRIVATE_KEY/),
    ]);
  });
});

describe('APP_URL and link paths', () => {
  it('accepts a custom-scheme APP_URL and custom paths', () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      APP_URL: 'myapp://auth/',
      ACTIVATION_PATH: '/verify',
      RESET_PATH: '/password/new',
    });
    expect(config.appUrl).toBe('myapp://auth');
    expect(config.linkPaths).toEqual({ activation: '/verify', reset: '/password/new' });
    expect(loadConfig({ DATA_DIR: dataDir() }).linkPaths).toEqual({
      activation: '/activate',
      reset: '/reset-password',
    });
  });

  it('refuses script schemes and malformed paths, naming the variable', () => {
    expect(problemsOf({ APP_URL: 'javascript:alert(1)//' })).toEqual([
      expect.stringMatching(/^APP_URL/),
    ]);
    expect(problemsOf({ ACTIVATION_PATH: 'activate', RESET_PATH: '/reset password' })).toEqual([
      expect.stringMatching(/^ACTIVATION_PATH/),
      expect.stringMatching(/^RESET_PATH/),
    ]);
  });
});

describe('the development signing key (no JWT_SECRET, no JWT_PRIVATE_KEY)', () => {
  const keyFile = (dir: string) => join(dir, 'jwt-signing-key.pem');

  it('is an ES256 key generated once into DATA_DIR (0600) and reused, beside the HS256 secret file', () => {
    const dir = dataDir();
    const config = loadConfig({ DATA_DIR: dir });
    expect(config.jwt.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(parsePrivateKey(config.jwt.privateKeyPem!).verification.alg).toBe('ES256');
    expect(statSync(keyFile(dir)).mode & 0o777).toBe(0o600);
    // Emailed tokens and refresh rotation keep the development secret, as before.
    expect(config.jwt.developmentSecret).toBe(true);
    expect(readFileSync(join(dir, 'jwt-secret'), 'utf8').trim()).toBe(config.jwt.secret);
    expect(loadConfig({ DATA_DIR: dir }).jwt.privateKeyPem).toBe(config.jwt.privateKeyPem);
  });

  it('is never made in test or production, nor next to JWT_SECRET or JWT_PRIVATE_KEY', () => {
    const cases: Record<string, string>[] = [
      { NODE_ENV: 'test' },
      { JWT_SECRET: 'a-development-secret-of-more-than-32-bytes-0123' },
      { JWT_PRIVATE_KEY: ec.privatePem },
      {
        NODE_ENV: 'production',
        JWT_SECRET: 'a-production-secret-of-more-than-32-bytes-0123',
        SMTP_URL: 'smtp://127.0.0.1:2525',
      },
    ];
    for (const env of cases) {
      const dir = dataDir();
      const config = loadConfig({ DATA_DIR: dir, ...env });
      expect(existsSync(keyFile(dir))).toBe(false);
      expect(config.jwt.privateKeyPem).toBe(env.JWT_PRIVATE_KEY ? ec.privatePem.trim() : null);
    }
  });

  it('refuses a damaged key file with one line naming it', () => {
    const dir = dataDir();
    writeFileSync(keyFile(dir), 'not a key\n');
    expect(() => loadConfig({ DATA_DIR: dir })).toThrow(ConfigError);
    expect(problemsOf({ DATA_DIR: dir })).toEqual([expect.stringContaining(`${keyFile(dir)} `)]);
  });
});
