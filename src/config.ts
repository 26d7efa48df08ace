import { availableParallelism } from 'node:os';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';
import { adminConsoleConfig, adminConsoleEnv } from './admin-console/admin-console.config';
import { ConfigError, integer, type ConfigContext, type EnvShape } from './config-fields';
import { databaseConfig, databaseEnv, type DatabaseConfig } from './database/database.config';
import {
  emailChangeConfig,
  emailChangeEnv,
  type EmailChangeConfig,
} from './email-change/email-change.config';
import { eventsEnv, securityEventTtlConfig } from './events/events.config';
import { housekeepingEnv, housekeepingIntervalConfig } from './housekeeping/housekeeping.config';
import { httpEnv, trustProxyConfig, type TrustProxy } from './http/http.config';
import { limitsConfig, limitsEnv, type RateLimitConfig } from './limits/limits.config';
import {
  linkPathsConfig,
  linkPathsEnv,
  mailConfig,
  mailEnv,
  type LinkPaths,
  type MailConfig,
} from './mail/mail.config';
import { metricsEnv, metricsTokenConfig } from './metrics/metrics.config';
import { oauthConfig, oauthEnv, type OAuthConfig } from './oauth/oauth.config';
import { invitationTtlConfig, organizationsEnv } from './organizations/organizations.config';
import { pagesConfig, pagesEnv, type PagesConfig } from './pages/pages.config';
import { passkeysConfig, passkeysEnv, type WebAuthnConfig } from './passkeys/passkeys.config';
import { passwordConfig, passwordEnv } from './password/password.config';
import { localesConfig, localesEnv } from './profile/profile.config';
import type { LocaleConfig } from './profile/profile-rules';
import { sessionsConfig, sessionsEnv } from './sessions/sessions.config';
import { tokensConfig, tokensEnv, type JwtConfig } from './tokens/tokens.config';
import { webhooksConfig, webhooksEnv, type WebhookConfig } from './webhooks/webhooks.config';

/**
 * The only module that reads process.env: everything else receives a frozen Config. Each feature owns
 * its variables and their rules (src/<feature>/<feature>.config.ts); this module composes them and
 * reports every problem of every feature in one pass.
 */
export type { DatabaseConfig } from './database/database.config';
export type { JwtConfig } from './tokens/tokens.config';
export type { MailConfig } from './mail/mail.config';
export type { RateLimitConfig } from './limits/limits.config';
export {
  OAUTH_PRESET_ISSUERS,
  type OAuthConfig,
  type OAuthPreset,
  type OAuthProviderConfig,
} from './oauth/oauth.config';
export type { WebAuthnConfig } from './passkeys/passkeys.config';
export { appUrlIsThisServer } from './pages/pages.config';
export { ConfigError } from './config-fields';

export interface Config {
  readonly env: 'development' | 'test' | 'production';
  readonly isProduction: boolean;
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  readonly jwt: JwtConfig;
  readonly refreshTtlMs: number;
  readonly refreshReuseGraceMs: number;
  readonly activationTtlSec: number;
  readonly resetTtlSec: number;
  /** How long an organization's invitation stays pending (INVITATION_TTL). */
  readonly invitationTtlMs: number;
  /** SUPPORTED_LOCALES and DEFAULT_LOCALE: what a user's `locale` may be (src/profile). */
  readonly locales: LocaleConfig;
  /** Email change: how long its link and code live, and whether the old address must confirm too. */
  readonly emailChange: EmailChangeConfig;
  readonly sessionCacheTtlMs: number;
  /** How often the deployment deletes expired sessions, used links and never-activated accounts. */
  readonly housekeepingIntervalMs: number;
  readonly bcryptCost: number;
  /** bcrypt hashes run at once, on threads of their own at low OS priority (BCRYPT_THREADS). */
  readonly bcryptThreads: number;
  /** Hashes allowed to wait for a bcrypt thread; beyond it a request gets TOO_MANY_REQUESTS at once. */
  readonly bcryptQueueLimit: number;
  readonly mail: MailConfig;
  readonly appUrl: string;
  /** Appended to appUrl in emailed links (APP_URL may be a custom scheme such as myapp://auth). */
  readonly linkPaths: LinkPaths;
  /** Built-in pages for the emailed links (src/pages): `enabled` is PAGES resolved against APP_URL. */
  readonly pages: PagesConfig;
  /** false: the socket address; n: trust n proxy hops; a list: trust these proxy addresses/CIDRs. */
  readonly trustProxy: TrustProxy;
  readonly rateLimit: RateLimitConfig;
  /** Passkeys (WebAuthn); null when APP_URL is no web URL and WEBAUTHN_RP_ID is unset: passkeys are off. */
  readonly webauthn: WebAuthnConfig | null;
  readonly logLevel: string;
  /** Processes serving HTTP (WORKERS): 1 runs in this process; more run under a node:cluster primary. */
  readonly workers: number;
  /** How long security events are kept (SECURITY_EVENT_TTL). */
  readonly securityEventTtlMs: number;
  /** Standard Webhooks receiver of user lifecycle events, or null (WEBHOOK_URL, WEBHOOK_SECRET). */
  readonly webhook: WebhookConfig | null;
  /** Bearer token that opens GET /metrics; null: the endpoint answers 404. */
  readonly metricsToken: string | null;
  /** GET /admin serves the admin console (ADMIN_CONSOLE; on unless production). */
  readonly adminConsole: boolean;
  /** Social sign-in over OpenID Connect (src/oauth). */
  readonly oauth: OAuthConfig;
}

/** The variables of the server itself; each feature's own come from its config module. */
const serverEnv = {
  // No default here: an unset NODE_ENV on a network address is refused below, then means development.
  NODE_ENV: z
    .enum(['development', 'test', 'production'], {
      message: 'NODE_ENV must be development, test or production',
    })
    .optional(),
  PORT: integer('PORT', 4000, 0, 65535),
  HOST: z.string().min(1, 'HOST must not be empty').default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
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
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .optional(),
};

// Per-variable problems are reported in this order.
const EnvSchema = z.object({
  ...serverEnv,
  ...databaseEnv,
  ...tokensEnv,
  ...sessionsEnv,
  ...organizationsEnv,
  ...emailChangeEnv,
  ...localesEnv,
  ...housekeepingEnv,
  ...passwordEnv,
  ...mailEnv,
  ...linkPathsEnv,
  ...pagesEnv,
  ...httpEnv,
  ...limitsEnv,
  ...eventsEnv,
  ...webhooksEnv,
  ...metricsEnv,
  ...adminConsoleEnv,
  ...oauthEnv,
  ...passkeysEnv,
} satisfies EnvShape);

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
  const ctx: ConfigContext = { env, failed, problems, mode: nodeEnv, isProduction };
  if (e.NODE_ENV === undefined && !failed.has('NODE_ENV') && !isLoopbackHost(e.HOST))
    problems.push(
      `NODE_ENV is unset while HOST=${e.HOST} is reachable from the network: set NODE_ENV=production ` +
        '(or NODE_ENV=development on purpose, or HOST=127.0.0.1)',
    );
  // Every feature checks its own variables before anything is made, so one pass reports them all.
  const mail = mailConfig(e, ctx, e.DATA_DIR);
  const database = databaseConfig(e, ctx);
  const tokens = tokensConfig(e, ctx, e.DATA_DIR);
  if (e.WORKERS > 1 && database.driver === 'sqlite' && database.path === ':memory:')
    problems.push('WORKERS above 1 needs a database file or PostgreSQL, not sqlite::memory:');
  const webhook = webhooksConfig(e, ctx);
  const appUrl = e.APP_URL ?? defaultAppUrl(e.HOST, e.PORT);
  const webauthn = passkeysConfig(e, ctx, appUrl, e.APP_NAME);
  const password = passwordConfig(e, ctx);
  const oauth = oauthConfig(e, ctx, appUrl);
  const locales = localesConfig(e, ctx);
  if (problems.length > 0) throw new ConfigError(problems);

  const config: Config = {
    env: nodeEnv,
    isProduction,
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.DATA_DIR),
    database,
    ...tokens(),
    ...sessionsConfig(e),
    invitationTtlMs: invitationTtlConfig(e),
    locales,
    emailChange: emailChangeConfig(e),
    housekeepingIntervalMs: housekeepingIntervalConfig(e),
    ...password,
    mail,
    appUrl: appUrl.replace(/\/+$/, ''),
    linkPaths: linkPathsConfig(e),
    pages: pagesConfig(e, appUrl, e.HOST, e.PORT),
    trustProxy: trustProxyConfig(e),
    rateLimit: limitsConfig(e, database.driver === 'sqlite' ? 'memory' : 'database'),
    webauthn,
    logLevel: e.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    workers: e.WORKERS,
    securityEventTtlMs: securityEventTtlConfig(e),
    webhook,
    metricsToken: metricsTokenConfig(e),
    adminConsole: adminConsoleConfig(e, isProduction),
    oauth,
  };
  return deepFreeze(config);
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child && typeof child === 'object') deepFreeze(child as object);
  }
  return Object.freeze(value);
}
