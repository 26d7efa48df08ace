import { z } from 'zod';
import { integer, type EnvOf } from '../config-fields';

function isRedisUrl(value: string): boolean {
  try {
    return ['redis:', 'rediss:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

export const limitsEnv = {
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
};

export interface RateLimitConfig {
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
}

/** What the limiter reads of Config: its budgets, and the database a `database` store lives in. */
export interface LimitsSettings {
  readonly rateLimit: RateLimitConfig;
  readonly database: { readonly driver: 'sqlite' | 'postgresql' };
}

/** `defaultStore`: where counters live when RATE_LIMIT_STORE is unset (it follows the database). */
export function limitsConfig(
  e: EnvOf<typeof limitsEnv>,
  defaultStore: 'memory' | 'database',
): RateLimitConfig {
  return {
    store: e.RATE_LIMIT_STORE ?? defaultStore,
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
  };
}
