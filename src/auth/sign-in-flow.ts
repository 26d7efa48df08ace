import type { EntityManager } from '@mikro-orm/core';
import { transaction } from '../database/unit-of-work';
import { accountDisabled, AppError, ErrorCode } from '../errors';
import { SecurityEventType, type SecurityEvents } from '../events/security-events';
import type { Logger } from '../logger';
import type { MfaTickets } from '../mfa/mfa-tickets';
import type { Metrics } from '../metrics/metrics';
import type { ClientInfo, IssuedTokens, SessionService } from '../sessions/session.service';
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

/** RFC 8176: two distinct factors in one method (a passkey with user verification), or "mfa" itself. */
const isMultiFactor = (amr: readonly string[]) => amr.length >= 2 || amr.includes('mfa');

/**
 * The one way a proven factor becomes a session. Every method (password, email code, passkey, social)
 * proves its factor in its own service and then calls `finish`; none creates sessions or signs tokens
 * itself. Here the account's state is checked, the second factor asked for when the account has one,
 * and the session and tokens issued with the `amr` the method earned.
 */
export class SignInFlow {
  constructor(
    private readonly sessions: SessionService,
    private readonly tickets: MfaTickets,
    private readonly events: SecurityEvents,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  /**
   * Throws ACCOUNT_DISABLED, ACCOUNT_NOT_ACTIVATED; MFA_REQUIRED with `extensions.mfaTicket` and
   * `extensions.methods` when the account has TOTP on and the method proved one factor only
   * (`completeSignIn` finishes it).
   */
  async finish(
    em: EntityManager,
    user: User,
    method: SignInMethod,
    client: ClientInfo,
  ): Promise<IssuedTokens> {
    this.assertCanSignIn(user, method);
    const amr = METHOD_AMR[method];
    if (user.totpEnabledAt !== null && !isMultiFactor(amr)) {
      const mfaTicket = await this.tickets.create(em, user.id, method);
      this.logger.info(
        { event: 'mfa_required', method, userId: user.id, ip: client.ip },
        'second factor required',
      );
      throw new AppError(
        ErrorCode.MFA_REQUIRED,
        'Enter a code from your authenticator app (or a recovery code) to finish signing in.',
        { mfaTicket, methods: [...SECOND_FACTORS] },
      );
    }
    return this.issue(em, user, amr, method, client);
  }

  /**
   * The account's state, checked after a factor is proven (so it tells nothing to someone guessing) and
   * again before a second factor finishes: an account disabled meanwhile gets no session.
   * Throws ACCOUNT_DISABLED, ACCOUNT_NOT_ACTIVATED.
   */
  assertCanSignIn(user: User, method: SignInMethod): void {
    if (user.disabled) {
      this.metrics.signIn(method, 'account_disabled');
      throw accountDisabled();
    }
    if (!user.isActive) {
      this.metrics.signIn(method, 'not_activated');
      throw new AppError(
        ErrorCode.ACCOUNT_NOT_ACTIVATED,
        'This account is not activated yet: open the link in the activation email, or ask for a new one.',
      );
    }
  }

  /** Opens the session once every factor the account needs is proven. */
  async issue(
    em: EntityManager,
    user: User,
    amr: readonly string[],
    method: SignInMethod,
    client: ClientInfo,
  ): Promise<IssuedTokens> {
    const issued = await transaction(em, async (uow) => {
      const tokens = await this.sessions.create(uow.em, user, client, amr);
      await this.events.record(uow, {
        type: SecurityEventType.SIGNED_IN,
        userId: user.id,
        method,
        ...client,
      });
      return tokens;
    });
    this.metrics.signIn(method, 'success');
    this.logger.info(
      { event: 'sign_in', method, amr, userId: user.id, ip: client.ip },
      'signed in',
    );
    return issued;
  }
}
