import type { EntityManager } from '@mikro-orm/core';
import { transaction } from '../database/unit-of-work';
import { accountDisabled, AppError, ErrorCode } from '../errors';
import { SecurityEventType, type SecurityEvents } from '../events/security-events';
import type { Logger } from '../logger';
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

/**
 * The one way a proven factor becomes a session. Every method (password, email code, passkey, social)
 * proves its factor in its own service and then calls `finish`; none creates sessions or signs tokens
 * itself. Here the account's state is checked, the second factor asked for when the account has one,
 * and the session and tokens issued with the `amr` the method earned.
 */
export class SignInFlow {
  constructor(
    private readonly sessions: SessionService,
    private readonly events: SecurityEvents,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  /** Throws ACCOUNT_DISABLED, ACCOUNT_NOT_ACTIVATED. */
  async finish(
    em: EntityManager,
    user: User,
    method: SignInMethod,
    client: ClientInfo,
  ): Promise<IssuedTokens> {
    // Only reached once the factor is proven, so this tells nothing to someone guessing.
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
    return this.issue(em, user, METHOD_AMR[method], method, client);
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
