import { createHash } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { LimitsSettings } from './limits.config';
import { TooManyRequestsError } from '../errors';
import { ipLimitKey } from './ip-key';
import { createLimiterStore, type LimiterStore } from './stores';

const FIFTEEN_MINUTES = 15 * 60;
const ONE_HOUR = 60 * 60;
const ONE_DAY = 24 * ONE_HOUR;

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
  private readonly invitesPerOrg: RateLimiterAbstract;
  private readonly invitesPerUser: RateLimiterAbstract;
  private readonly orgsPerUser: RateLimiterAbstract;
  private readonly orgSwitchesPerSession: RateLimiterAbstract;

  constructor(
    config: LimitsSettings,
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
    this.invitesPerOrg = create('invite-org', r.invitesPerOrg, ONE_DAY);
    this.invitesPerUser = create('invite-user', r.invitesPerUser, ONE_DAY);
    this.orgsPerUser = create('org-user', r.orgsPerUser, ONE_DAY);
    this.orgSwitchesPerSession = create('org-switch', r.orgSwitchesPerSession, FIFTEEN_MINUTES);
  }

  static create(config: LimitsSettings, orm: MikroORM): RateLimits {
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
   * The one per-IP budget of every way of signing in (password, email code, a passkey challenge, a
   * provider's ID token), taken before the address is looked at: a request the IP limit refuses spends
   * nothing of the address's failure budget. Throws TOO_MANY_REQUESTS (`ip`).
   */
  async signInAttempt(ip: string | null): Promise<void> {
    await consume(this.signInPerIp, ipKey(ip), 'ip');
  }

  /**
   * Runs a password check (sign-in, or re-confirming a password) inside the address's failure budget
   * (known address or not, so a lockout tells nothing about registration).
   * The point is taken *before* `check` runs, so N concurrent guesses run at most the budget's number
   * of bcrypt compares; a right password ends the run of failures (its point too), a check that could
   * not run (bcrypt queue full, database error) gives its point back. Returns whether the password
   * was right and, for a wrong one, whether this failure locked the address.
   * Throws TOO_MANY_REQUESTS (`account`), and whatever `check` throws.
   */
  async checkPassword(
    email: string,
    check: () => Promise<boolean>,
    options: {
      /** Asked after a right password: false keeps the run (a second factor is still to come). */
      endsRun?: () => boolean;
    } = {},
  ): Promise<{ ok: boolean; locked: boolean }> {
    const k = key(email);
    const taken = await consume(this.signInFailures, k, 'account', true);
    let ok: boolean;
    try {
      ok = await check();
    } catch (err) {
      await this.signInFailures.reward(k, 1).catch(() => {});
      throw err;
    }
    // With a second factor to come, only this check's point goes back: wrong codes stay counted, so
    // signing in again with the password cannot buy a fresh run of code guesses.
    if (ok) {
      if (options.endsRun?.() ?? true) await this.signInFailures.delete(k);
      else await this.signInFailures.reward(k, 1);
    }
    return { ok, locked: !ok && taken.consumedPoints === this.signInFailures.points };
  }

  /**
   * Before checking a one-time code (TOTP, recovery, mailed): takes a point of the account's sign-in
   * failure budget up front, so parallel guesses cannot outrun it and every kind of code shares one
   * limit with the password. `codeSucceeded` gives the point back. Returns whether this point was the
   * budget's last (a failure now locks the address). Throws TOO_MANY_REQUESTS (`account`).
   */
  async beforeCode(email: string): Promise<{ last: boolean }> {
    const taken = await consume(this.signInFailures, key(email), 'account', true);
    return { last: taken.consumedPoints === this.signInFailures.points };
  }

  /** A right code returns the point `beforeCode` took; earlier failures stay counted. */
  async codeSucceeded(email: string): Promise<void> {
    await this.signInFailures.reward(key(email), 1);
  }

  /** Every factor of a sign-in proven (the second one included): the run of failures ends. */
  async signInCompleted(email: string): Promise<void> {
    await this.signInFailures.delete(key(email));
  }

  /**
   * One request that may mail `email` (normalised): signUp, resendActivation and requestPasswordReset
   * share this budget, per IP and per address, per hour. The IP is counted first: a request its IP
   * limit refuses spends nothing of the address's budget, so one client cannot block an address.
   * Independent of the sign-in lockout, so a locked account can still reset its password.
   * Throws TOO_MANY_REQUESTS.
   */
  async emailRequest(email: string, ip: string | null): Promise<void> {
    await consume(this.emailPerIp, ipKey(ip), 'ip');
    await consume(this.emailPerAddress, key(email), 'address');
  }

  /**
   * One attempt to spend a one-time token (activateAccount, resetPassword, exchangeOAuthCode), per IP: emailed tokens
   * must not be guessable by volume. Throws TOO_MANY_REQUESTS.
   */
  async tokenAttempt(ip: string | null): Promise<void> {
    await consume(this.tokenPerIp, ipKey(ip), 'ip');
  }

  /**
   * One invitation mail (a new or renewed invitation) from organization `orgId`, sent by user
   * `inviterId` to `email` (normalised): per organization and per inviter per day, so neither one
   * organization nor many of one account mail strangers in bulk, and against the address's hourly mail
   * budget (the one of signUp, resendActivation, requestPasswordReset). The inviter's budgets are
   * counted first: a request they refuse spends nothing of the address's. The address's budget is
   * counted whether or not it has an account, so its refusal tells nothing about one.
   * Throws TOO_MANY_REQUESTS.
   */
  async invitation(orgId: string, inviterId: string, email: string): Promise<void> {
    await consume(this.invitesPerOrg, key(orgId), 'organization');
    await consume(this.invitesPerUser, key(inviterId), 'user');
    await consume(this.emailPerAddress, key(email), 'address');
  }

  /** One createOrganization by user `userId`, per day. Throws TOO_MANY_REQUESTS. */
  async organizationCreated(userId: string): Promise<void> {
    await consume(this.orgsPerUser, key(userId), 'user');
  }

  /**
   * One switchOrganization of session `sessionId`, per 15 minutes: every switch retires a refresh token
   * that reuse detection must still trace, so an access-token thief may not switch without bound.
   * Throws TOO_MANY_REQUESTS.
   */
  async organizationSwitch(sessionId: string): Promise<void> {
    await consume(this.orgSwitchesPerSession, key(sessionId), 'session');
  }
}

/**
 * Takes a point, or throws TOO_MANY_REQUESTS. rate-limiter-flexible counts a refused consume too; with
 * `refusedIsFree` that point is given back: for the account's failure budget, whose points stand for
 * checks really made (tries refused while other tries were in flight, later given back, must not lock
 * the owner out). Per-IP budgets keep counting refusals: a flood gains nothing by it either way.
 */
async function consume(
  limiter: RateLimiterAbstract,
  k: string,
  scope: string,
  refusedIsFree = false,
): Promise<RateLimiterRes> {
  try {
    return await limiter.consume(k);
  } catch (err) {
    // rate-limiter-flexible rejects with a RateLimiterRes when over the limit, with an Error when the store fails.
    if (err instanceof RateLimiterRes) {
      if (refusedIsFree) await limiter.reward(k, 1).catch(() => {});
      throw new TooManyRequestsError(err.msBeforeNext / 1000, scope);
    }
    throw err;
  }
}

const ipKey = (ip: string | null) => key(ipLimitKey(ip));

// Hashed so the store (a table, Redis) holds no address or IP in clear; `unknown` when the socket had none.
const key = (value: string | null) =>
  createHash('sha256')
    .update(value ?? 'unknown')
    .digest('base64url')
    .slice(0, 32);
