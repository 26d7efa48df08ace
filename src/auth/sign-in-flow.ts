import type { EntityManager } from '@mikro-orm/core';
import { transaction, type UnitOfWork } from '../database/unit-of-work';
import { accountDisabled, AppError, ErrorCode, TooManyRequestsError } from '../errors';
import { SecurityEventType, type SecurityEvents } from '../events/security-events';
import type { RateLimits } from '../limits/rate-limits';
import type { Logger } from '../logger';
import type { MfaTickets } from '../mfa/mfa-tickets';
import type { Metrics } from '../metrics/metrics';
import type { ClientInfo, IssuedTokens, SessionService } from '../sessions/session.service';
import { NO_ACCOUNT } from '../users/no-account';
import type { User } from '../users/user.entity';

/** How a first factor was proven; the names of API.md's `SignInMethod`. */
export type SignInMethod = 'PASSWORD' | 'EMAIL_CODE' | 'PASSKEY' | 'OAUTH';

/** RFC 8176 `amr` each method earns on its own. A passkey with user verification is two factors. */
export const METHOD_AMR: Readonly<Record<SignInMethod, readonly string[]>> = Object.freeze({
  PASSWORD: ['pwd'],
  EMAIL_CODE: ['email'],
  PASSKEY: ['hwk', 'user'],
  OAUTH: ['fed'],
});

/** The second factors `completeSignIn` accepts: API.md's `SecondFactor`, sent in `extensions.methods`. */
export const SECOND_FACTORS = ['TOTP', 'RECOVERY_CODE'] as const;

/** Which step of a sign-in a proof is: the method's own factor, or the second one after it. */
export type SignInFactor = 'first' | 'second';

/** What a method's proof ended in. */
export type Proof =
  | {
      ok: true;
      user: User;
      /** The amr the proof earned when it is not the method's usual one (a synced passkey). */
      amr?: readonly string[];
    }
  | {
      ok: false;
      /** The account the attempt named, when there is one. */
      userId: string | null;
      /** For the log only: why (never a secret, never the input). */
      reason: string;
      /** The method's own writes for a failure (a code's miss, a mail), in the failure's transaction. */
      record?: (uow: UnitOfWork) => Promise<void>;
    };

/** What a way in declares to `SignInFlow.attempt`. */
export interface Attempt {
  /** null: the account lookup names it (a second factor goes on the method of its ticket). */
  method: SignInMethod | null;
  /** Default `first`. The second factor finishes a ticket: its success opens the session at once. */
  factor?: SignInFactor;
  client: ClientInfo;
  /**
   * The per-IP budget charged first: `sign-in` (every first factor shares one), `token` (a one-time
   * ticket), or null when the method charged it at an earlier step (a passkey, at its challenge).
   */
  ipBudget: 'sign-in' | 'token' | null;
  /**
   * The address whose failure budget a try spends, taken before the proof runs (so parallel guesses
   * cannot outrun it) and given back when the proof cannot run or succeeds; a function when the
   * address is known only after a lookup (a ticket's owner, which names the method too); null for none.
   */
  account:
    string | (() => Promise<{ email: string; method: SignInMethod; renew?: string | null }>) | null;
  /** The one answer of every failed proof of this method (a wrong secret and an unknown one alike). */
  refused: () => AppError;
  /**
   * A reauthentication: the signed-in session whose tokens a success renews (a new auth_time), instead
   * of opening a new session. A ticket's owner lookup may name it too.
   */
  renew?: string | null;
}

export interface FailedAttempt {
  method: SignInMethod;
  factor?: SignInFactor;
  /** The account the attempt named; null for an unknown one. */
  userId: string | null;
  client: ClientInfo;
  reason: string;
  /** This failure spent the last point of the address's budget. */
  locked?: boolean;
  record?: (uow: UnitOfWork) => Promise<void>;
}

/** RFC 8176: two distinct factors in one method (a passkey with user verification), or "mfa" itself. */
const isMultiFactor = (amr: readonly string[]) => amr.length >= 2 || amr.includes('mfa');

export interface SignInFlowDeps {
  readonly sessions: SessionService;
  readonly tickets: MfaTickets;
  readonly limits: RateLimits;
  readonly events: SecurityEvents;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

/**
 * The one pipeline of a sign-in attempt, for every way in. `attempt` charges the budgets the method
 * declares, runs its proof, records a failure the same way for every method (metric, log line,
 * `sign_in_failed` and `locked_out` events) and hands a success to `finish`, where the account's state
 * is checked, the second factor asked for when the account has one, and the session and tokens issued
 * with the `amr` the method earned. No method creates sessions, signs tokens or records its own failures.
 */
export class SignInFlow {
  constructor(private readonly deps: SignInFlowDeps) {}

  /**
   * One try of one way in: budgets, proof, then the session (or MFA_REQUIRED) or the recorded failure.
   * Throws TOO_MANY_REQUESTS, `spec.refused()` for a failed proof, whatever the proof or the account
   * lookup throws (INVALID_TOKEN…), and what `finish` throws.
   */
  async attempt(
    em: EntityManager,
    spec: Attempt,
    prove: () => Promise<Proof>,
  ): Promise<IssuedTokens> {
    const { client } = spec;
    const factor = spec.factor ?? 'first';
    let method = spec.method;
    let email: string | null = null;
    let renew = spec.renew ?? null;
    let last = false;
    try {
      if (spec.ipBudget === 'sign-in') await this.deps.limits.signInAttempt(client.ip);
      else if (spec.ipBudget === 'token') await this.deps.limits.tokenAttempt(client.ip);
      if (typeof spec.account === 'function') {
        const owner = await spec.account();
        ({ email, method } = owner);
        renew = owner.renew ?? renew;
      } else email = spec.account;
      if (email !== null) ({ last } = await this.deps.limits.beforeCode(email));
    } catch (err) {
      if (err instanceof TooManyRequestsError && method) this.refusedByLimit(method, err, client);
      throw err;
    }
    if (method === null) throw new Error('a sign-in attempt names its method');
    let proof: Proof;
    try {
      proof = await prove();
    } catch (err) {
      // The proof could not run (a queue full, a dead ticket, the database): no failure to count.
      if (email !== null) await this.deps.limits.codeSucceeded(email).catch(() => {});
      throw err;
    }
    if (!proof.ok) {
      await this.failed(em, { ...proof, method, factor, client, locked: last });
      throw spec.refused();
    }
    const { user } = proof;
    const amr = proof.amr ?? METHOD_AMR[method];
    if (email !== null) {
      // Every factor proven ends the run of failures; with a second factor to come only this try's
      // point goes back, so signing in again cannot buy a fresh run of code guesses.
      const complete = factor === 'second' || user.totpEnabledAt === null || isMultiFactor(amr);
      await (complete
        ? this.deps.limits.signInCompleted(email)
        : this.deps.limits.codeSucceeded(email));
    }
    if (factor === 'second') return this.issue(em, user, [...amr, 'otp'], method, client, renew);
    return this.finish(em, user, method, client, amr, renew);
  }

  /**
   * Records a failed sign-in the one way every method does: the metric (`invalid_credentials`, or
   * `invalid_second_factor`), one log line, and in one transaction the method's own writes,
   * `sign_in_failed` with the method and the factor, and `locked_out` when the budget ran out.
   * Public for a way in that proves its factor elsewhere (social sign-in's callback).
   */
  async failed(em: EntityManager, failure: FailedAttempt): Promise<void> {
    const { method, userId, client, reason, locked = false } = failure;
    const factor = failure.factor ?? 'first';
    this.deps.metrics.signIn(
      method,
      factor === 'second' ? 'invalid_second_factor' : 'invalid_credentials',
    );
    this.deps.logger.info(
      { event: 'sign_in_failed', method, factor, userId, ip: client.ip, reason },
      'sign-in failed',
    );
    if (locked) {
      this.deps.logger.warn(
        { event: 'sign_in_lockout', method, userId, ip: client.ip },
        'sign-in locked: too many failures for this address',
      );
    }
    // An unknown address's failure is recorded too (under NO_ACCOUNT, seen by no user): a miss for a
    // known and an unknown address then makes the same write, and its timing tells nothing.
    await transaction(em, async (uow) => {
      await failure.record?.(uow);
      const event = { userId: userId ?? NO_ACCOUNT, method, ...client, detail: { factor } };
      await this.deps.events.record(uow, { type: SecurityEventType.SIGN_IN_FAILED, ...event });
      if (locked)
        await this.deps.events.record(uow, { type: SecurityEventType.LOCKED_OUT, ...event });
    });
  }

  /**
   * The per-IP sign-in budget alone, for a step that checks nothing yet (a passkey challenge handed
   * out). Throws TOO_MANY_REQUESTS.
   */
  async admit(method: SignInMethod, client: ClientInfo): Promise<void> {
    try {
      await this.deps.limits.signInAttempt(client.ip);
    } catch (err) {
      if (err instanceof TooManyRequestsError) this.refusedByLimit(method, err, client);
      throw err;
    }
  }

  private refusedByLimit(method: SignInMethod, err: TooManyRequestsError, client: ClientInfo) {
    this.deps.metrics.signIn(method, 'rate_limited');
    this.deps.logger.warn(
      { event: 'sign_in_refused', method, scope: err.scope, ip: client.ip },
      'sign-in refused: rate limit',
    );
  }

  /**
   * Throws ACCOUNT_DISABLED, ACCOUNT_NOT_ACTIVATED; MFA_REQUIRED with `extensions.mfaTicket` and
   * `extensions.methods` when the account has TOTP on and the method proved one factor only
   * (`completeSignIn` finishes it). `renew`: a reauthentication of that session (see `issue`).
   */
  async finish(
    em: EntityManager,
    user: User,
    method: SignInMethod,
    client: ClientInfo,
    amr: readonly string[] = METHOD_AMR[method],
    renew: string | null = null,
  ): Promise<IssuedTokens> {
    this.assertCanSignIn(user, method);
    if (user.totpEnabledAt !== null && !isMultiFactor(amr)) {
      const mfaTicket = await this.deps.tickets.create(em, user.id, method, renew);
      this.deps.logger.info(
        { event: 'mfa_required', method, userId: user.id, ip: client.ip },
        'second factor required',
      );
      throw new AppError(
        ErrorCode.MFA_REQUIRED,
        'Enter a code from your authenticator app (or a recovery code) to finish signing in.',
        { mfaTicket, methods: [...SECOND_FACTORS] },
      );
    }
    return this.issue(em, user, amr, method, client, renew);
  }

  /**
   * The account's state, checked after a factor is proven (so it tells nothing to someone guessing) and
   * again before a second factor finishes: an account disabled meanwhile gets no session.
   * Throws ACCOUNT_DISABLED, ACCOUNT_NOT_ACTIVATED.
   */
  assertCanSignIn(user: User, method: SignInMethod): void {
    if (user.disabled) {
      this.deps.metrics.signIn(method, 'account_disabled');
      throw accountDisabled();
    }
    if (!user.isActive) {
      this.deps.metrics.signIn(method, 'not_activated');
      throw new AppError(
        ErrorCode.ACCOUNT_NOT_ACTIVATED,
        'This account is not activated yet: open the link in the activation email, or ask for a new one.',
      );
    }
  }

  /**
   * Opens the session once every factor the account needs is proven; for a reauthentication (`renew`),
   * renews that session instead (a new auth_time and refresh token; UNAUTHENTICATED if it has ended).
   */
  async issue(
    em: EntityManager,
    user: User,
    amr: readonly string[],
    method: SignInMethod,
    client: ClientInfo,
    renew: string | null = null,
  ): Promise<IssuedTokens> {
    const event = { userId: user.id, method, ...client };
    const issued = renew
      ? await transaction(em, async (uow) => {
          const tokens = await this.deps.sessions.renew(uow.em, renew, user, amr);
          const detail = { sessionId: renew };
          await this.deps.events.record(uow, {
            type: SecurityEventType.REAUTHENTICATED,
            ...event,
            detail,
          });
          return tokens;
        })
      : // The session and its event, all or none, in one round trip on PostgreSQL: the hot path.
        await this.deps.sessions.create(em, user, client, amr, [
          this.deps.events.row({ type: SecurityEventType.SIGNED_IN, ...event }),
        ]);
    this.deps.metrics.signIn(method, 'success');
    this.deps.logger.info(
      { event: 'sign_in', method, amr, userId: user.id, ip: client.ip },
      'signed in',
    );
    return issued;
  }
}
