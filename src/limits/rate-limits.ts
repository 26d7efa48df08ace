import { createHash } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config';
import { TooManyRequestsError } from '../errors';
import { createLimiterStore, type LimiterStore } from './stores';

const FIFTEEN_MINUTES = 15 * 60;
const ONE_HOUR = 60 * 60;

/**
 * Every rate limit of API.md "Limits", on rate-limiter-flexible. Keys are hashed, so the store never
 * holds an address or an IP in clear. Services call it before any bcrypt work, once per resolved
 * field, so 15 aliased signIn in one request count as 15.
 *
 * Every check throws TOO_MANY_REQUESTS (TooManyRequestsError, extensions.retryAfter). A store failure
 * propagates and is masked as INTERNAL_SERVER_ERROR: a limit never fails open.
 */
export class RateLimits {
  private readonly signInPerIp: RateLimiterAbstract;
  private readonly signInFailures: RateLimiterAbstract;
  private readonly emailPerAddress: RateLimiterAbstract;
  private readonly emailPerIp: RateLimiterAbstract;
  private readonly tokenPerIp: RateLimiterAbstract;

  constructor(
    config: Config,
    private readonly store: LimiterStore,
  ) {
    const r = config.rateLimit;
    const create = (keyPrefix: string, points: number, durationSec: number) =>
      store.create({ keyPrefix: `${r.prefix}:${keyPrefix}`, points, durationSec });
    this.signInPerIp = create('signin-ip', r.signInPerIp, FIFTEEN_MINUTES);
    this.signInFailures = create('signin-fail', r.signInFailuresPerAccount, FIFTEEN_MINUTES);
    this.emailPerAddress = create('email-addr', r.emailPerAddress, ONE_HOUR);
    this.emailPerIp = create('email-ip', r.emailPerIp, ONE_HOUR);
    this.tokenPerIp = create('token-ip', r.tokenPerIp, FIFTEEN_MINUTES);
  }

  static create(config: Config, orm: MikroORM): RateLimits {
    return new RateLimits(config, createLimiterStore(config, orm));
  }

  get storeKind(): LimiterStore['kind'] {
    return this.store.kind;
  }

  /** Resolves once the store answers; rejects (naming RATE_LIMIT_STORE) when Redis is unreachable. */
  ready(): Promise<void> {
    return this.store.ready();
  }

  close(): Promise<void> {
    return this.store.close();
  }

  /**
   * Before checking a password: counts the attempt against the client IP, and refuses an address
   * locked by too many failures (known or not, so a lockout tells nothing about registration).
   * Throws TOO_MANY_REQUESTS with scope `ip` or `account`.
   */
  async beforeSignIn(email: string, ip: string | null): Promise<void> {
    await consume(this.signInPerIp, key(ip), 'ip');
    const failures = await this.signInFailures.get(key(email));
    if (failures && failures.consumedPoints >= this.signInFailures.points) {
      throw new TooManyRequestsError(failures.msBeforeNext / 1000, 'account');
    }
  }

  /**
   * A sign-in that checks no password (a passkey challenge handed out): the per-IP sign-in budget
   * only. Throws TOO_MANY_REQUESTS with scope `ip`.
   */
  async signInAttempt(ip: string | null): Promise<void> {
    await consume(this.signInPerIp, key(ip), 'ip');
  }

  /** Counts a failed password check; true when this very failure locks the address. */
  async signInFailed(email: string): Promise<boolean> {
    const res = await this.signInFailures.penalty(key(email));
    return res.consumedPoints === this.signInFailures.points;
  }

  /** A right password ends the run of failures: a success never counts as one. */
  async signInSucceeded(email: string): Promise<void> {
    await this.signInFailures.delete(key(email));
  }

  /**
   * One request that may mail `email` (normalised): signUp, resendActivation and requestPasswordReset
   * share this budget, per address and per IP, per hour. Independent of the sign-in lockout, so a
   * locked account can still reset its password. Throws TOO_MANY_REQUESTS.
   */
  async emailRequest(email: string, ip: string | null): Promise<void> {
    const results = await Promise.allSettled([
      consume(this.emailPerAddress, key(email), 'address'),
      consume(this.emailPerIp, key(ip), 'ip'),
    ]);
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    const other = failed.find((e) => !(e instanceof TooManyRequestsError));
    if (other !== undefined) throw other;
    const limited = failed as TooManyRequestsError[];
    if (limited.length > 0) {
      throw new TooManyRequestsError(
        Math.max(...limited.map((e) => e.retryAfter)),
        limited.map((e) => e.scope).join('+'),
      );
    }
  }

  /**
   * One attempt to spend a one-time token (activateAccount, resetPassword), per IP: emailed tokens
   * must not be guessable by volume. Throws TOO_MANY_REQUESTS.
   */
  async tokenAttempt(ip: string | null): Promise<void> {
    await consume(this.tokenPerIp, key(ip), 'ip');
  }
}

async function consume(limiter: RateLimiterAbstract, k: string, scope: string): Promise<void> {
  try {
    await limiter.consume(k);
  } catch (err) {
    // rate-limiter-flexible rejects with a RateLimiterRes when over the limit, with an Error when the store fails.
    if (err instanceof RateLimiterRes)
      throw new TooManyRequestsError(err.msBeforeNext / 1000, scope);
    throw err;
  }
}

// Hashed so the store (a table, Redis) holds no address or IP in clear; `unknown` when the socket had none.
const key = (value: string | null) =>
  createHash('sha256')
    .update(value ?? 'unknown')
    .digest('base64url')
    .slice(0, 32);
