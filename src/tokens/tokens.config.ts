import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import {
  ConfigError,
  duration,
  integer,
  seconds,
  type ConfigContext,
  type EnvOf,
} from '../config-fields';
import {
  deriveInternalSecret,
  generateSigningKeyPair,
  normalizePem,
  parsePrivateKey,
  parsePublicKeys,
} from './keys';

// How long a stolen access token may live: bounded on purpose.
const MAX_ACCESS_TOKEN_TTL = '1h';

export const tokensEnv = {
  JWT_SECRET: z.string().optional(),
  JWT_PRIVATE_KEY: z.string().optional(),
  JWT_PREVIOUS_PUBLIC_KEYS: z.string().optional(),
  JWT_PREVIOUS_SECRETS: z.string().optional(),
  JWT_ISSUER: z.string().min(1, 'JWT_ISSUER must not be empty').default('authql'),
  JWT_AUDIENCE: z.string().min(1, 'JWT_AUDIENCE must not be empty').default('authql'),
  JWT_CLOCK_SKEW: integer('JWT_CLOCK_SKEW', 30, 0, 60),
  ACCESS_TOKEN_TTL: duration('ACCESS_TOKEN_TTL', '15m', { max: MAX_ACCESS_TOKEN_TTL }),
  ACTIVATION_TOKEN_TTL: duration('ACTIVATION_TOKEN_TTL', '24h'),
  RESET_TOKEN_TTL: duration('RESET_TOKEN_TTL', '1h'),
};

export interface JwtConfig {
  /** HS256 access tokens without a private key; always the key of emailed tokens and refresh rotation. */
  readonly secret: string;
  /** PEM (JWT_PRIVATE_KEY; in development without keys, DATA_DIR/jwt-signing-key.pem): access tokens
   * are then RS256/ES256 and its public key is served in the JWKS. */
  readonly privateKeyPem: string | null;
  /** Concatenated PEM public keys still accepted (and published) for access tokens, e.g. after rotation. */
  readonly previousPublicKeysPem: string | null;
  /** Retired JWT_SECRET values (JWT_PREVIOUS_SECRETS): what they made is honoured until it expires. */
  readonly previousSecrets: readonly string[];
  /** True when `secret` is the development one kept in DATA_DIR/jwt-secret (no JWT_SECRET, no key). */
  readonly developmentSecret: boolean;
  readonly issuer: string;
  readonly audience: string;
  readonly accessTtlSec: number;
  readonly clockSkewSec: number;
}

export interface TokensConfig {
  readonly jwt: JwtConfig;
  readonly activationTtlSec: number;
  readonly resetTtlSec: number;
}

// Values copied from tutorials and .env samples: a deploy using one would sign tokens anyone can forge.
const SAMPLE_SECRETS = new Set([
  'secret',
  'changeme',
  'change-me',
  'your-secret',
  'your_jwt_secret',
  'jwt_secret',
  'supersecret',
  'mysecret',
  'shhhhh',
  '12345678',
  'please-change-this-secret-in-production',
]);

/**
 * Checks the keys and secrets; the answer is a function because the development secret is written
 * to DATA_DIR only once the whole configuration is known to be valid.
 */
export function tokensConfig(
  e: EnvOf<typeof tokensEnv>,
  { mode, isProduction, problems }: ConfigContext,
  dataDir: string,
): () => TokensConfig {
  const secret = e.JWT_SECRET;
  if (secret !== undefined) {
    if (Buffer.byteLength(secret, 'utf8') < 32)
      problems.push('JWT_SECRET must be at least 32 bytes long');
    else if (SAMPLE_SECRETS.has(secret.toLowerCase()) || /^(.)\1+$/.test(secret))
      problems.push(
        'JWT_SECRET is a well-known sample value: generate one with `openssl rand -base64 48`',
      );
  } else if (isProduction && !e.JWT_PRIVATE_KEY) {
    problems.push(
      'JWT_SECRET is required in production (at least 32 random bytes), or set JWT_PRIVATE_KEY',
    );
  }
  let privateKeyPem: string | null = null;
  let derivedSecret: string | null = null;
  if (e.JWT_PRIVATE_KEY) {
    try {
      const { privateKey } = parsePrivateKey(e.JWT_PRIVATE_KEY);
      privateKeyPem = normalizePem(e.JWT_PRIVATE_KEY);
      derivedSecret = deriveInternalSecret(privateKey);
    } catch (err) {
      problems.push(
        `JWT_PRIVATE_KEY ${(err as Error).message}; generate one with \`npm run cli -- keys:generate\``,
      );
    }
  }
  let previousPublicKeysPem: string | null = null;
  if (e.JWT_PREVIOUS_PUBLIC_KEYS) {
    try {
      parsePublicKeys(e.JWT_PREVIOUS_PUBLIC_KEYS);
      previousPublicKeysPem = normalizePem(e.JWT_PREVIOUS_PUBLIC_KEYS);
      if (!e.JWT_PRIVATE_KEY)
        problems.push('JWT_PREVIOUS_PUBLIC_KEYS is only used together with JWT_PRIVATE_KEY');
    } catch (err) {
      problems.push(`JWT_PREVIOUS_PUBLIC_KEYS ${(err as Error).message}`);
    }
  }
  const previousSecrets = (e.JWT_PREVIOUS_SECRETS ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (previousSecrets.some((v) => Buffer.byteLength(v, 'utf8') < 32))
    problems.push('JWT_PREVIOUS_SECRETS: every secret must be at least 32 bytes long');
  if (previousSecrets.length > 0 && previousSecrets.includes(secret ?? ''))
    problems.push('JWT_PREVIOUS_SECRETS must not contain the current JWT_SECRET');

  return () => {
    // Only a private key in production: authql's own HMAC key comes from it, so no shared secret is needed.
    const usesDevelopmentSecret = secret === undefined && derivedSecret === null;
    const hmacSecret = secret ?? derivedSecret ?? developmentSecret(dataDir);
    // Only in development: `test` keeps HS256 unless a key is given, production requires explicit keys.
    const signingKey =
      usesDevelopmentSecret && mode === 'development'
        ? developmentSigningKey(dataDir)
        : privateKeyPem;
    return {
      jwt: {
        secret: hmacSecret,
        privateKeyPem: signingKey,
        previousPublicKeysPem,
        previousSecrets,
        developmentSecret: usesDevelopmentSecret,
        issuer: e.JWT_ISSUER,
        audience: e.JWT_AUDIENCE,
        accessTtlSec: seconds(e.ACCESS_TOKEN_TTL),
        clockSkewSec: e.JWT_CLOCK_SKEW,
      },
      activationTtlSec: seconds(e.ACTIVATION_TOKEN_TTL),
      resetTtlSec: seconds(e.RESET_TOKEN_TTL),
    };
  };
}

/** Development only: a random secret kept on disk so tokens survive restarts without any setup. */
function developmentSecret(dataDir: string): string {
  const file = resolve(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

/**
 * Development only: an ES256 key kept on disk so access tokens are signed asymmetrically and the JWKS
 * has a key from the first `npm start`; a service that verifies through the JWKS (examples/service)
 * then works with no setup. Emailed tokens and refresh rotation keep the development secret.
 */
function developmentSigningKey(dataDir: string): string {
  const file = resolve(dataDir, 'jwt-signing-key.pem');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    try {
      // 'wx': a second process starting at the same moment keeps the first one's key.
      writeFileSync(file, generateSigningKeyPair('ES256').privatePem, { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const pem = normalizePem(readFileSync(file, 'utf8'));
  try {
    parsePrivateKey(pem);
  } catch (err) {
    throw new ConfigError([
      `${file} ${(err as Error).message}: delete it and a new development key is generated`,
    ]);
  }
  return pem;
}
