import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import ms from 'ms';
import { z } from 'zod';
import { checkTrustedProxies } from './http/client-ip';
import { parseLocales, type LocaleConfig } from './profile/profile-rules';
import {
  deriveInternalSecret,
  generateSigningKeyPair,
  normalizePem,
  parsePrivateKey,
  parsePublicKeys,
} from './tokens/keys';

/** The only module that reads process.env: everything else receives a frozen Config. */

export type DatabaseConfig =
  { driver: 'sqlite'; path: string } | { driver: 'postgresql'; url: string };

export interface Config {
  readonly env: 'development' | 'test' | 'production';
  readonly isProduction: boolean;
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  readonly jwt: {
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
  };
  readonly refreshTtlMs: number;
  readonly refreshReuseGraceMs: number;
  readonly activationTtlSec: number;
  readonly resetTtlSec: number;
  /** How long an organization's invitation stays pending (INVITATION_TTL). */
  readonly invitationTtlMs: number;
  /** SUPPORTED_LOCALES and DEFAULT_LOCALE: what a user's `locale` may be (src/profile). */
  readonly locales: LocaleConfig;
  /** Email change: how long its link and code live, and whether the old address must confirm too. */
  readonly emailChange: { readonly ttlSec: number; readonly confirmBoth: boolean };
  readonly sessionCacheTtlMs: number;
  /** How often the deployment deletes expired sessions, used links and never-activated accounts. */
  readonly housekeepingIntervalMs: number;
  readonly bcryptCost: number;
  /** bcrypt hashes run at once, on threads of their own at low OS priority: half of UV_THREADPOOL_SIZE. */
  readonly bcryptConcurrency: number;
  /** Hashes allowed to wait for a bcrypt thread; beyond it a request gets TOO_MANY_REQUESTS at once. */
  readonly bcryptQueueLimit: number;
  readonly mail: {
    readonly smtpUrl: string | null;
    readonly from: string;
    readonly outboxDir: string;
    readonly pollIntervalMs: number;
    readonly retryBaseMs: number;
    readonly maxAttempts: number;
    readonly sendTimeoutMs: number;
    /** Product name used in mail bodies (APP_NAME). */
    readonly appName: string;
    /** Overrides of the built-in templates (MAIL_TEMPLATES_DIR), or null. */
    readonly templatesDir: string | null;
  };
  readonly appUrl: string;
  /** Appended to appUrl in emailed links (APP_URL may be a custom scheme such as myapp://auth). */
  readonly linkPaths: { readonly activation: string; readonly reset: string };
  /** Built-in pages for the emailed links (src/pages): `enabled` is PAGES resolved against APP_URL. */
  readonly pages: { readonly mode: 'auto' | 'on' | 'off'; readonly enabled: boolean };
  /** false: the socket address; n: trust n proxy hops; a list: trust these proxy addresses/CIDRs. */
  readonly trustProxy: false | number | string[];
  readonly rateLimit: {
    /** `memory`, `database`, or a `redis://` / `rediss://` URL. */
    readonly store: string;
    /** Namespace of the keys, so several deployments (or test servers) can share one Redis. */
    readonly prefix: string;
    readonly signInPerIp: number;
    readonly signInFailuresPerAccount: number;
    readonly emailPerAddress: number;
    readonly emailPerIp: number;
    readonly tokenPerIp: number;
    /** Invitations an organization may send per day (RATE_LIMIT_INVITES_PER_ORG). */
    readonly invitesPerOrg: number;
    /** Invitations one user may send per day, all their organizations together (RATE_LIMIT_INVITES_PER_USER). */
    readonly invitesPerUser: number;
    /** Organizations one user may create per day (RATE_LIMIT_ORGS_PER_USER). */
    readonly orgsPerUser: number;
    /** switchOrganization calls per session per 15 min (RATE_LIMIT_ORG_SWITCHES_PER_SESSION). */
    readonly orgSwitchesPerSession: number;
  };
  /** Passkeys (WebAuthn); null when APP_URL is no web URL and WEBAUTHN_RP_ID is unset: passkeys are off. */
  readonly webauthn: WebAuthnConfig | null;
  readonly logLevel: string;
  /** Processes serving HTTP (WORKERS): 1 runs in this process; more run under a node:cluster primary. */
  readonly workers: number;
  /** How long security events are kept (SECURITY_EVENT_TTL). */
  readonly securityEventTtlMs: number;
  /** Standard Webhooks receiver of user lifecycle events, or null (WEBHOOK_URL, WEBHOOK_SECRET). */
  readonly webhook: { readonly url: string; readonly secret: string } | null;
  /** Bearer token that opens GET /metrics; null: the endpoint answers 404. */
  readonly metricsToken: string | null;
  /** GET /admin serves the admin console (ADMIN_CONSOLE; on unless production). */
  readonly adminConsole: boolean;
  /** Social sign-in over OpenID Connect (src/oauth). */
  readonly oauth: OAuthConfig;
}

export type OAuthPreset = 'google' | 'apple' | 'microsoft';

export interface OAuthProviderConfig {
  /** Lower-case name used in URLs and the API (`google`, `apple`, `acme-sso`). */
  readonly name: string;
  readonly preset: OAuthPreset | null;
  /** OIDC issuer; its discovery document names the endpoints and the JWKS. */
  readonly issuer: string;
  readonly clientId: string;
  /** Needed by the web flow's token request; native ID tokens need none. */
  readonly clientSecret: string | null;
  /** Extra `aud` values accepted in native ID tokens (an iOS bundle id, an Android client id). */
  readonly audiences: readonly string[];
}

export interface OAuthConfig {
  readonly providers: readonly OAuthProviderConfig[];
  /** Where the web flow may send the browser back to, compared exactly (OAUTH_REDIRECT_URLS). */
  readonly redirectUrls: readonly string[];
  /** This server as providers reach it: callbacks are `${callbackBaseUrl}/oauth/<name>/callback`. */
  readonly callbackBaseUrl: string;
  /** Tests only: lets openid-client talk to an http:// issuer. Refused in production. */
  readonly allowHttpIssuers: boolean;
}

/** Issuers of the presets (discovery at `${issuer}/.well-known/openid-configuration`). */
export const OAUTH_PRESET_ISSUERS: Readonly<Record<OAuthPreset, string>> = Object.freeze({
  google: 'https://accounts.google.com',
  apple: 'https://appleid.apple.com',
  // Multi-tenant: openid-client and the native check resolve `{tenantid}` from the token's `tid`.
  microsoft: 'https://login.microsoftonline.com/common/v2.0',
});

export interface WebAuthnConfig {
  /** The domain passkeys are bound to (WEBAUTHN_RP_ID). */
  readonly rpId: string;
  readonly rpName: string;
  /** Web origins and `android:apk-key-hash:` origins a response may come from. */
  readonly origins: readonly string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
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

const duration = (
  name: string,
  fallback: string,
  bounds: { allowZero?: boolean; max?: ms.StringValue } = {},
) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const parsed = value.trim() === '0' && bounds.allowZero ? 0 : ms(value as ms.StringValue);
      if (
        typeof parsed !== 'number' ||
        !Number.isFinite(parsed) ||
        parsed < 0 ||
        (parsed === 0 && !bounds.allowZero)
      ) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be a duration such as "15m" or "30d"${bounds.allowZero ? ', or 0' : ''} (got "${value}")`,
        });
        return z.NEVER;
      }
      // Upper bounds keep a typo (10d for 10s) from turning a short security window into a long one.
      if (bounds.max && parsed > ms(bounds.max)) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be at most ${bounds.max} (got "${value}")`,
        });
        return z.NEVER;
      }
      return parsed;
    });

const integer = (name: string, fallback: number, min: number, max: number) =>
  z
    .string()
    .default(String(fallback))
    .transform((value, ctx) => {
      const n = Number(value);
      if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be an integer from ${min} to ${max} (got "${value}")`,
        });
        return z.NEVER;
      }
      return n;
    });

const toBoolean = (name: string) => (value: string, ctx: z.RefinementCtx) => {
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  ctx.addIssue({ code: 'custom', message: `${name} must be true or false (got "${value}")` });
  return z.NEVER;
};
const boolean = (name: string) => z.string().default('false').transform(toBoolean(name));
/** Unset stays undefined: the default depends on something else (the mode). */
const optionalBoolean = (name: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => (value === undefined ? undefined : toBoolean(name)(value, ctx)));

const MAX_PROXY_HOPS = 10;

/** TRUST_PROXY: false, a hop count, or a comma list of proxy addresses/CIDRs; never "trust every hop". */
function parseTrustProxy(value: string, ctx: z.RefinementCtx): false | number | string[] {
  const v = value.trim().toLowerCase();
  const problem = (message: string) => {
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  };
  if (['false', 'no', 'off', '0', ''].includes(v)) return false;
  if (['true', 'yes', 'on'].includes(v))
    return problem(
      'TRUST_PROXY=true is refused: it lets every client choose its own IP through X-Forwarded-For. ' +
        'Set the number of proxies in front of authql (e.g. 1) or their addresses/CIDRs',
    );
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    return hops <= MAX_PROXY_HOPS
      ? hops
      : problem(`TRUST_PROXY must be a hop count from 0 to ${MAX_PROXY_HOPS} (got "${value}")`);
  }
  const list = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  try {
    checkTrustedProxies(list);
    return list;
  } catch (err) {
    return problem(
      `TRUST_PROXY must be false, a hop count or a comma list of proxy addresses/CIDRs (${(err as Error).message})`,
    );
  }
}

const url = (name: string, protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `${name} must be a ${protocols.join(' or ')} URL` },
  );

function isRedisUrl(value: string): boolean {
  try {
    return ['redis:', 'rediss:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

const linkPath = (name: string, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      if (!/^\/[^\s#]*$/.test(value)) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be a path starting with / without spaces or # (got "${value}")`,
        });
        return z.NEVER;
      }
      return value;
    });

// How long a revoked session may still be honoured, or a stolen access token live: bounded on purpose.
const MAX_ACCESS_TOKEN_TTL = '1h';
const MAX_SESSION_CACHE_TTL = '1m';
const MAX_REFRESH_REUSE_GRACE = '1m';

const EnvSchema = z.object({
  // No default here: an unset NODE_ENV on a network address is refused below, then means development.
  NODE_ENV: z
    .enum(['development', 'test', 'production'], {
      message: 'NODE_ENV must be development, test or production',
    })
    .optional(),
  PORT: integer('PORT', 4000, 0, 65535),
  HOST: z.string().min(1, 'HOST must not be empty').default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.string().default('sqlite:./data/authql.sqlite'),
  JWT_SECRET: z.string().optional(),
  JWT_PRIVATE_KEY: z.string().optional(),
  JWT_PREVIOUS_PUBLIC_KEYS: z.string().optional(),
  JWT_PREVIOUS_SECRETS: z.string().optional(),
  JWT_ISSUER: z.string().min(1, 'JWT_ISSUER must not be empty').default('authql'),
  JWT_AUDIENCE: z.string().min(1, 'JWT_AUDIENCE must not be empty').default('authql'),
  JWT_CLOCK_SKEW: integer('JWT_CLOCK_SKEW', 30, 0, 60),
  ACCESS_TOKEN_TTL: duration('ACCESS_TOKEN_TTL', '15m', { max: MAX_ACCESS_TOKEN_TTL }),
  REFRESH_TOKEN_TTL: duration('REFRESH_TOKEN_TTL', '30d'),
  ACTIVATION_TOKEN_TTL: duration('ACTIVATION_TOKEN_TTL', '24h'),
  RESET_TOKEN_TTL: duration('RESET_TOKEN_TTL', '1h'),
  INVITATION_TTL: duration('INVITATION_TTL', '7d'),
  EMAIL_CHANGE_TTL: duration('EMAIL_CHANGE_TTL', '1h'),
  EMAIL_CHANGE_CONFIRM_BOTH: boolean('EMAIL_CHANGE_CONFIRM_BOTH'),
  SUPPORTED_LOCALES: z.string().default('en,de,fr,es'),
  DEFAULT_LOCALE: z.string().default('en'),
  REFRESH_REUSE_GRACE: duration('REFRESH_REUSE_GRACE', '10s', {
    allowZero: true,
    max: MAX_REFRESH_REUSE_GRACE,
  }),
  SESSION_CACHE_TTL: duration('SESSION_CACHE_TTL', '5s', { max: MAX_SESSION_CACHE_TTL }),
  HOUSEKEEPING_INTERVAL: duration('HOUSEKEEPING_INTERVAL', '10m', { max: '1d' }),
  BCRYPT_COST: integer('BCRYPT_COST', 12, 4, 17),
  // libuv's own variable (read by libuv at startup); also sizes bcrypt's threads (half of it).
  UV_THREADPOOL_SIZE: integer('UV_THREADPOOL_SIZE', 4, 1, 1024),
  // Unset: 16 per bcrypt thread (about 4 s of waiting at cost 12), so a flood cannot queue minutes of hashes.
  BCRYPT_QUEUE_LIMIT: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      if (!/^\d+$/.test(value.trim()) || Number(value) > 100_000) {
        ctx.addIssue({
          code: 'custom',
          message: `BCRYPT_QUEUE_LIMIT must be an integer from 0 to 100000 (got "${value}")`,
        });
        return z.NEVER;
      }
      return Number(value);
    }),
  SMTP_URL: url('SMTP_URL', ['smtp:', 'smtps:']).optional(),
  MAIL_TRANSPORT: z
    .enum(['smtp', 'file'], { message: 'MAIL_TRANSPORT must be smtp or file' })
    .optional(),
  MAIL_POLL_INTERVAL: duration('MAIL_POLL_INTERVAL', '1s'),
  MAIL_RETRY_BACKOFF: duration('MAIL_RETRY_BACKOFF', '5s'),
  MAIL_MAX_ATTEMPTS: integer('MAIL_MAX_ATTEMPTS', 12, 1, 100),
  MAIL_SEND_TIMEOUT: duration('MAIL_SEND_TIMEOUT', '15s'),
  MAIL_TEMPLATES_DIR: z
    .string()
    .refine((dir) => existsSync(dir) && statSync(dir).isDirectory(), {
      message: 'MAIL_TEMPLATES_DIR must be an existing directory',
    })
    .optional(),
  APP_NAME: z
    .string()
    .max(100, 'APP_NAME must be at most 100 characters')
    .refine((v) => !/[\r\n]/.test(v), { message: 'APP_NAME must be one line' })
    .default('authql'),
  MAIL_FROM: z
    .string()
    .min(3, 'MAIL_FROM must be an address')
    .default('authql <no-reply@localhost>'),
  // Default follows HOST and PORT (defaultAppUrl), so the mailed links open on this very server.
  APP_URL: z
    .string()
    .refine(
      (value) => {
        try {
          new URL(value);
          return true;
        } catch {
          return false;
        }
      },
      { message: 'APP_URL must be an absolute URL such as https://app.example.com' },
    )
    .refine((value) => !/^\s*(javascript|data|vbscript|file):/i.test(value), {
      message: 'APP_URL must not use a javascript:, data:, vbscript: or file: scheme',
    })
    .optional(),
  ACTIVATION_PATH: linkPath('ACTIVATION_PATH', '/activate'),
  RESET_PATH: linkPath('RESET_PATH', '/reset-password'),
  PAGES: z
    .enum(['auto', 'on', 'off'], { message: 'PAGES must be auto, on or off' })
    .default('auto'),
  RATE_LIMIT_STORE: z
    .string()
    .refine((value) => value === 'memory' || value === 'database' || isRedisUrl(value), {
      message: 'RATE_LIMIT_STORE must be memory, database or a redis:// URL',
    })
    .optional(),
  RATE_LIMIT_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, 'RATE_LIMIT_PREFIX must be 1 to 40 letters, digits, _ or -')
    .default('authql'),
  TRUST_PROXY: z.string().default('false').transform(parseTrustProxy),
  RATE_LIMIT_SIGNIN_PER_IP: integer('RATE_LIMIT_SIGNIN_PER_IP', 100, 1, 1_000_000),
  RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT: integer(
    'RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT',
    10,
    1,
    1_000_000,
  ),
  RATE_LIMIT_EMAIL_PER_ADDRESS: integer('RATE_LIMIT_EMAIL_PER_ADDRESS', 5, 1, 1_000_000),
  RATE_LIMIT_EMAIL_PER_IP: integer('RATE_LIMIT_EMAIL_PER_IP', 20, 1, 1_000_000),
  // activateAccount (and resetPassword) attempts per IP per 15 min: one-time tokens must not be guessable.
  RATE_LIMIT_TOKEN_PER_IP: integer('RATE_LIMIT_TOKEN_PER_IP', 30, 1, 1_000_000),
  RATE_LIMIT_INVITES_PER_ORG: integer('RATE_LIMIT_INVITES_PER_ORG', 50, 1, 1_000_000),
  RATE_LIMIT_INVITES_PER_USER: integer('RATE_LIMIT_INVITES_PER_USER', 100, 1, 1_000_000),
  RATE_LIMIT_ORGS_PER_USER: integer('RATE_LIMIT_ORGS_PER_USER', 10, 1, 1_000_000),
  // At most the 100 steps reuse detection traces back: a thief must not out-switch it in one window.
  RATE_LIMIT_ORG_SWITCHES_PER_SESSION: integer('RATE_LIMIT_ORG_SWITCHES_PER_SESSION', 30, 1, 100),
  WORKERS: z
    .string()
    .default('1')
    .transform((value, ctx) => {
      const v = value.trim().toLowerCase();
      if (v === 'auto') return availableParallelism();
      if (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 256) return Number(v);
      ctx.addIssue({
        code: 'custom',
        message: `WORKERS must be auto or an integer from 1 to 256 (got "${value}")`,
      });
      return z.NEVER;
    }),
  SECURITY_EVENT_TTL: duration('SECURITY_EVENT_TTL', '90d'),
  WEBHOOK_URL: url('WEBHOOK_URL', ['http:', 'https:']).optional(),
  WEBHOOK_SECRET: z
    .string()
    .regex(
      /^whsec_[A-Za-z0-9+/]{32,}={0,2}$/,
      'WEBHOOK_SECRET must be whsec_ followed by at least 24 base64 bytes, e.g. whsec_$(openssl rand -base64 32)',
    )
    .optional(),
  METRICS_TOKEN: z
    .string()
    .min(16, 'METRICS_TOKEN must be at least 16 characters, e.g. $(openssl rand -hex 24)')
    .max(512, 'METRICS_TOKEN must be at most 512 characters')
    .optional(),
  // Unset: on in development and test, off in production (an operator turns it on on purpose).
  ADMIN_CONSOLE: optionalBoolean('ADMIN_CONSOLE'),
  OAUTH_PROVIDERS: z.string().optional(),
  OAUTH_REDIRECT_URLS: z.string().optional(),
  OAUTH_CALLBACK_BASE_URL: url('OAUTH_CALLBACK_BASE_URL', ['http:', 'https:']).optional(),
  OAUTH_ALLOW_HTTP_ISSUERS: boolean('OAUTH_ALLOW_HTTP_ISSUERS'),
  WEBAUTHN_RP_ID: z.string().optional(),
  WEBAUTHN_RP_NAME: z
    .string()
    .max(100, 'WEBAUTHN_RP_NAME must be at most 100 characters')
    .refine((v) => !/[\r\n]/.test(v), { message: 'WEBAUTHN_RP_NAME must be one line' })
    .optional(),
  WEBAUTHN_ORIGINS: z.string().optional(),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .optional(),
});

function parseDatabaseUrl(value: string, problems: string[]): DatabaseConfig {
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path)
      problems.push('DATABASE_URL: sqlite: needs a file path, e.g. sqlite:./data/authql.sqlite');
    return { driver: 'sqlite', path: path === ':memory:' ? path : resolve(path) };
  }
  if (/^postgres(ql)?:\/\//.test(value)) {
    try {
      new URL(value);
    } catch {
      problems.push('DATABASE_URL is not a valid postgresql:// URL');
    }
    return { driver: 'postgresql', url: value };
  }
  problems.push('DATABASE_URL must start with sqlite: or postgresql://');
  return { driver: 'sqlite', path: '' };
}

const PROVIDER_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const UNSAFE_SCHEME = /^\s*(javascript|data|vbscript|file|blob):/i;

/** The OAUTH_* variables: names are per provider (OAUTH_<NAME>_ISSUER), so they are read here, not by zod. */
function parseOAuth(
  env: Record<string, string | undefined>,
  e: { OAUTH_PROVIDERS?: string; OAUTH_REDIRECT_URLS?: string; OAUTH_ALLOW_HTTP_ISSUERS: boolean },
  callbackBaseUrl: string,
  isProduction: boolean,
  problems: string[],
): OAuthConfig {
  const list = (value: string | undefined) =>
    (value ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  if (isProduction && e.OAUTH_ALLOW_HTTP_ISSUERS)
    problems.push('OAUTH_ALLOW_HTTP_ISSUERS is for tests only and is refused in production');
  const providers: OAuthProviderConfig[] = [];
  for (const raw of list(e.OAUTH_PROVIDERS)) {
    const name = raw.toLowerCase();
    if (!PROVIDER_NAME.test(name)) {
      problems.push(
        `OAUTH_PROVIDERS: "${raw}" must be a letter then letters, digits or - (at most 32)`,
      );
      continue;
    }
    if (providers.some((p) => p.name === name)) {
      problems.push(`OAUTH_PROVIDERS names "${name}" twice`);
      continue;
    }
    const prefix = `OAUTH_${name.toUpperCase().replace(/-/g, '_')}_`;
    const preset = (Object.hasOwn(OAUTH_PRESET_ISSUERS, name) ? name : null) as OAuthPreset | null;
    const issuer = env[`${prefix}ISSUER`] ?? (preset ? OAUTH_PRESET_ISSUERS[preset] : undefined);
    const clientId = env[`${prefix}CLIENT_ID`];
    if (!issuer) {
      problems.push(`${prefix}ISSUER is required for provider "${name}" (its OIDC issuer URL)`);
    } else {
      let protocol = '';
      try {
        protocol = new URL(issuer).protocol;
      } catch {
        // reported below
      }
      if (protocol !== 'https:' && !(protocol === 'http:' && e.OAUTH_ALLOW_HTTP_ISSUERS))
        problems.push(`${prefix}ISSUER must be an https:// URL (got "${issuer}")`);
    }
    if (!clientId) problems.push(`${prefix}CLIENT_ID is required for provider "${name}"`);
    providers.push({
      name,
      preset,
      issuer: issuer ?? '',
      clientId: clientId ?? '',
      clientSecret: env[`${prefix}CLIENT_SECRET`] ?? null,
      audiences: list(env[`${prefix}AUDIENCES`]),
    });
  }
  if (providers.length > 0 && !/^https?:\/\//i.test(callbackBaseUrl))
    problems.push(
      'OAUTH_CALLBACK_BASE_URL is required when APP_URL is not an http(s) URL: the public URL of this server',
    );
  const redirectUrls = list(e.OAUTH_REDIRECT_URLS);
  for (const value of redirectUrls) {
    let ok = !UNSAFE_SCHEME.test(value) && !value.includes('#');
    try {
      new URL(value);
    } catch {
      ok = false;
    }
    if (!ok)
      problems.push(
        `OAUTH_REDIRECT_URLS: "${value}" must be an absolute URL (web or app scheme) without a # fragment`,
      );
  }
  return {
    providers,
    redirectUrls,
    callbackBaseUrl: callbackBaseUrl.replace(/\/+$/, ''),
    allowHttpIssuers: e.OAUTH_ALLOW_HTTP_ISSUERS,
  };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * PAGES=auto: the mailed links point at this very server when APP_URL is plain http on a loopback
 * name (or HOST itself), on PORT, with no path. Anything else (https, another host, a path) is taken
 * to be a front end of its own or a proxy: set PAGES=on to serve the pages there anyway.
 */
export function appUrlIsThisServer(appUrl: string, host: string, port: number): boolean {
  const url = new URL(appUrl);
  const urlPort = url.port ? Number(url.port) : 80;
  return (
    url.protocol === 'http:' &&
    (url.pathname === '/' || url.pathname === '') &&
    urlPort === port &&
    (LOOPBACK_HOSTS.has(url.hostname) || url.hostname === host.toLowerCase())
  );
}

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(h);
}

/** APP_URL's default: this server itself, so `PORT=4555 npm start` mails links that open on 4555. */
function defaultAppUrl(host: string, port: number): string {
  if (isLoopbackHost(host)) return `http://localhost:${port}`;
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
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

type Env = z.infer<typeof EnvSchema>;

/**
 * Each variable on its own, so one bad value never hides another: a variable that fails keeps its
 * default (or stays unset) in `e`, so the cross-variable rules in loadConfig still run in the same
 * pass; `failed` lets those rules stay quiet about a variable already reported. One line per variable.
 */
function parseEnv(env: Record<string, string | undefined>): {
  e: Env;
  failed: Set<string>;
  problems: string[];
} {
  const values: Record<string, unknown> = {};
  const failed = new Set<string>();
  const problems: string[] = [];
  for (const [name, schema] of Object.entries(EnvSchema.shape)) {
    const result = (schema as z.ZodType).safeParse(env[name]);
    if (result.success) {
      values[name] = result.data;
      continue;
    }
    failed.add(name);
    const messages = [...new Set(result.error.issues.map((issue) => issue.message))];
    problems.push(messages.map((m) => (m.startsWith(name) ? m : `${name}: ${m}`)).join('; '));
    const fallback = (schema as z.ZodType).safeParse(undefined);
    values[name] = fallback.success ? fallback.data : undefined;
  }
  return { e: values as Env, failed, problems };
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset, as in most .env tooling.
  const env = Object.fromEntries(
    Object.entries(source).filter(([, v]) => v !== undefined && v !== ''),
  );
  const { e, failed, problems } = parseEnv(env);
  const nodeEnv = e.NODE_ENV ?? 'development';
  const isProduction = nodeEnv === 'production';
  if (e.NODE_ENV === undefined && !failed.has('NODE_ENV') && !isLoopbackHost(e.HOST))
    problems.push(
      `NODE_ENV is unset while HOST=${e.HOST} is reachable from the network: set NODE_ENV=production ` +
        '(or NODE_ENV=development on purpose, or HOST=127.0.0.1)',
    );
  // A bad SMTP_URL or MAIL_TRANSPORT is already reported: calling it missing would only repeat it.
  if (failed.has('SMTP_URL') || failed.has('MAIL_TRANSPORT')) {
    // nothing more to say about mail
  } else if (e.MAIL_TRANSPORT === 'smtp' && !e.SMTP_URL) {
    problems.push('MAIL_TRANSPORT=smtp needs SMTP_URL');
  } else if (isProduction && !e.SMTP_URL && e.MAIL_TRANSPORT !== 'file') {
    problems.push(
      'SMTP_URL is required in production (mail carries live links); ' +
        'set MAIL_TRANSPORT=file to write mail to DATA_DIR/outbox on purpose instead',
    );
  }
  const database = parseDatabaseUrl(e.DATABASE_URL, problems);

  let secret = e.JWT_SECRET;
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
  if (e.WORKERS > 1 && database.driver === 'sqlite' && database.path === ':memory:')
    problems.push('WORKERS above 1 needs a database file or PostgreSQL, not sqlite::memory:');
  if (e.WEBHOOK_URL && !e.WEBHOOK_SECRET && !failed.has('WEBHOOK_SECRET'))
    problems.push('WEBHOOK_SECRET is required with WEBHOOK_URL (whsec_ and base64)');
  if (e.WEBHOOK_SECRET && !e.WEBHOOK_URL && !failed.has('WEBHOOK_URL'))
    problems.push('WEBHOOK_SECRET is set but WEBHOOK_URL is not: set both or neither');
  const appUrl = e.APP_URL ?? defaultAppUrl(e.HOST, e.PORT);
  const webauthn = parseWebAuthn(e, appUrl, problems);
  const previousSecrets = (e.JWT_PREVIOUS_SECRETS ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (previousSecrets.some((v) => Buffer.byteLength(v, 'utf8') < 32))
    problems.push('JWT_PREVIOUS_SECRETS: every secret must be at least 32 bytes long');
  if (previousSecrets.length > 0 && previousSecrets.includes(secret ?? ''))
    problems.push('JWT_PREVIOUS_SECRETS must not contain the current JWT_SECRET');
  if (isProduction && e.BCRYPT_COST < 10)
    problems.push('BCRYPT_COST must be at least 10 in production');
  const oauth = parseOAuth(env, e, e.OAUTH_CALLBACK_BASE_URL ?? appUrl, isProduction, problems);
  const locales = parseLocales(e.SUPPORTED_LOCALES, e.DEFAULT_LOCALE, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  // Only a private key in production: authql's own HMAC key comes from it, so no shared secret is needed.
  const usesDevelopmentSecret = secret === undefined && derivedSecret === null;
  if (secret === undefined) secret = derivedSecret ?? developmentSecret(e.DATA_DIR);
  // Only in development: `test` keeps HS256 unless a key is given, production requires explicit keys.
  if (usesDevelopmentSecret && nodeEnv === 'development')
    privateKeyPem = developmentSigningKey(e.DATA_DIR);

  const config: Config = {
    env: nodeEnv,
    isProduction,
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.DATA_DIR),
    database,
    jwt: {
      secret,
      privateKeyPem,
      previousPublicKeysPem,
      previousSecrets,
      developmentSecret: usesDevelopmentSecret,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      accessTtlSec: Math.max(1, Math.round(e.ACCESS_TOKEN_TTL / 1000)),
      clockSkewSec: e.JWT_CLOCK_SKEW,
    },
    refreshTtlMs: e.REFRESH_TOKEN_TTL,
    refreshReuseGraceMs: e.REFRESH_REUSE_GRACE,
    activationTtlSec: Math.max(1, Math.round(e.ACTIVATION_TOKEN_TTL / 1000)),
    resetTtlSec: Math.max(1, Math.round(e.RESET_TOKEN_TTL / 1000)),
    invitationTtlMs: e.INVITATION_TTL,
    locales,
    emailChange: {
      ttlSec: Math.max(1, Math.round(e.EMAIL_CHANGE_TTL / 1000)),
      confirmBoth: e.EMAIL_CHANGE_CONFIRM_BOTH,
    },
    sessionCacheTtlMs: e.SESSION_CACHE_TTL,
    housekeepingIntervalMs: e.HOUSEKEEPING_INTERVAL,
    bcryptCost: e.BCRYPT_COST,
    bcryptConcurrency: Math.max(1, Math.floor(e.UV_THREADPOOL_SIZE / 2)),
    bcryptQueueLimit:
      e.BCRYPT_QUEUE_LIMIT ?? 16 * Math.max(1, Math.floor(e.UV_THREADPOOL_SIZE / 2)),
    mail: {
      smtpUrl: e.MAIL_TRANSPORT === 'file' ? null : (e.SMTP_URL ?? null),
      from: e.MAIL_FROM,
      outboxDir: resolve(e.DATA_DIR, 'outbox'),
      pollIntervalMs: e.MAIL_POLL_INTERVAL,
      retryBaseMs: e.MAIL_RETRY_BACKOFF,
      maxAttempts: e.MAIL_MAX_ATTEMPTS,
      sendTimeoutMs: e.MAIL_SEND_TIMEOUT,
      appName: e.APP_NAME,
      templatesDir: e.MAIL_TEMPLATES_DIR ? resolve(e.MAIL_TEMPLATES_DIR) : null,
    },
    appUrl: appUrl.replace(/\/+$/, ''),
    linkPaths: { activation: e.ACTIVATION_PATH, reset: e.RESET_PATH },
    pages: {
      mode: e.PAGES,
      enabled:
        e.PAGES === 'on' || (e.PAGES === 'auto' && appUrlIsThisServer(appUrl, e.HOST, e.PORT)),
    },
    trustProxy: e.TRUST_PROXY,
    rateLimit: {
      store: e.RATE_LIMIT_STORE ?? (database.driver === 'sqlite' ? 'memory' : 'database'),
      prefix: e.RATE_LIMIT_PREFIX,
      signInPerIp: e.RATE_LIMIT_SIGNIN_PER_IP,
      signInFailuresPerAccount: e.RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT,
      emailPerAddress: e.RATE_LIMIT_EMAIL_PER_ADDRESS,
      emailPerIp: e.RATE_LIMIT_EMAIL_PER_IP,
      tokenPerIp: e.RATE_LIMIT_TOKEN_PER_IP,
      invitesPerOrg: e.RATE_LIMIT_INVITES_PER_ORG,
      invitesPerUser: e.RATE_LIMIT_INVITES_PER_USER,
      orgsPerUser: e.RATE_LIMIT_ORGS_PER_USER,
      orgSwitchesPerSession: e.RATE_LIMIT_ORG_SWITCHES_PER_SESSION,
    },
    webauthn,
    logLevel: e.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    workers: e.WORKERS,
    securityEventTtlMs: e.SECURITY_EVENT_TTL,
    webhook:
      e.WEBHOOK_URL && e.WEBHOOK_SECRET ? { url: e.WEBHOOK_URL, secret: e.WEBHOOK_SECRET } : null,
    metricsToken: e.METRICS_TOKEN ?? null,
    adminConsole: e.ADMIN_CONSOLE ?? nodeEnv !== 'production',
    oauth,
  };
  return deepFreeze(config);
}

// A DNS name (what WebAuthn accepts as an RP ID: no scheme, port, path or IP address), lower case.
const RP_ID = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/;
// Android: the base64url SHA-256 of the app's signing certificate (Credential Manager's origin form).
const APK_KEY_HASH = /^android:apk-key-hash:[A-Za-z0-9_-]{43}$/;

function webOrigin(value: string): URL | null {
  try {
    const url = new URL(value);
    return ['http:', 'https:'].includes(url.protocol) ? url : null;
  } catch {
    return null;
  }
}

/**
 * Passkey settings, defaulting to APP_URL's host and origin. An explicit origin must be exactly an
 * origin (no path), https (http only on localhost, as browsers require), on the RP ID or a subdomain.
 */
function parseWebAuthn(
  e: z.infer<typeof EnvSchema>,
  appUrlValue: string,
  problems: string[],
): WebAuthnConfig | null {
  const appUrl = webOrigin(appUrlValue);
  let rpId = e.WEBAUTHN_RP_ID?.trim();
  // An IP address is no RP ID (WebAuthn needs a domain): its last label would be all digits.
  if (rpId !== undefined && (!RP_ID.test(rpId) || /(^|\.)\d+$/.test(rpId))) {
    problems.push(
      `WEBAUTHN_RP_ID must be a lower-case domain name such as example.com, without scheme or port (got "${rpId}")`,
    );
    return null;
  }
  rpId ??= appUrl && !/^[\d.]+$|^\[/.test(appUrl.hostname) ? appUrl.hostname : undefined;
  if (rpId === undefined) {
    if (e.WEBAUTHN_ORIGINS)
      problems.push('WEBAUTHN_RP_ID is required when APP_URL is not a web URL on a domain name');
    return null;
  }
  const listed = e.WEBAUTHN_ORIGINS?.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (!listed?.length) {
    if (!appUrl || !(appUrl.hostname === rpId || appUrl.hostname.endsWith(`.${rpId}`))) {
      problems.push(`WEBAUTHN_ORIGINS is required: APP_URL is not a web page on ${rpId}`);
      return null;
    }
    return { rpId, rpName: e.WEBAUTHN_RP_NAME ?? e.APP_NAME, origins: [appUrl.origin] };
  }
  const origins: string[] = [];
  for (const origin of listed) {
    if (APK_KEY_HASH.test(origin)) {
      origins.push(origin);
      continue;
    }
    const url = webOrigin(origin);
    const host = url?.hostname;
    if (!url || url.origin !== origin.replace(/\/$/, '')) {
      problems.push(
        `WEBAUTHN_ORIGINS: "${origin}" is neither an origin (https://host[:port], no path) nor android:apk-key-hash:<43 base64url characters>`,
      );
    } else if (url.protocol === 'http:' && host !== 'localhost' && !host!.endsWith('.localhost')) {
      problems.push(`WEBAUTHN_ORIGINS: "${origin}" must be https (http only on localhost)`);
    } else if (host !== rpId && !host!.endsWith(`.${rpId}`)) {
      problems.push(
        `WEBAUTHN_ORIGINS: "${origin}" is not on WEBAUTHN_RP_ID ${rpId} or a subdomain of it`,
      );
    } else {
      origins.push(url.origin);
    }
  }
  return { rpId, rpName: e.WEBAUTHN_RP_NAME ?? e.APP_NAME, origins };
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child && typeof child === 'object') deepFreeze(child as object);
  }
  return Object.freeze(value);
}
