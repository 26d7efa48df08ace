import type { EntityManager } from '@mikro-orm/core';
import { transaction } from '../database/unit-of-work';
import { invalidCredentials, TooManyRequestsError } from '../errors';
import { SecurityEventType, type SecurityEvents } from '../events/security-events';
import type { RateLimits } from '../limits/rate-limits';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics/metrics';
import type { PasswordHasher } from '../password/password-hasher';
import { couldBePassword } from '../password/password-policy';
import type { ClientInfo, IssuedTokens } from '../sessions/session.service';
import { normalizeEmail } from '../users/email';
import { User } from '../users/user.entity';
import type { SignInFlow } from './sign-in-flow';

export class SignInService {
  constructor(
    private readonly hasher: PasswordHasher,
    private readonly flow: SignInFlow,
    private readonly limits: RateLimits,
    private readonly events: SecurityEvents,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  /**
   * Checks the password and opens a session. Unknown email and wrong password give the same error
   * after the same bcrypt work. Throws BAD_USER_INPUT, UNAUTHENTICATED, ACCOUNT_NOT_ACTIVATED,
   * TOO_MANY_REQUESTS (per IP, or per address after too many failures; checked before bcrypt).
   */
  async signIn(
    em: EntityManager,
    rawEmail: unknown,
    password: unknown,
    client: ClientInfo,
  ): Promise<IssuedTokens> {
    const email = normalizeEmail(rawEmail);
    // Nothing longer than bcrypt's 72 bytes was ever accepted, so it cannot match: refuse before hashing.
    if (!couldBePassword(password)) throw invalidCredentials();
    let user: User | null = null;
    let result: { ok: boolean; locked: boolean };
    try {
      await this.limits.beforeSignIn(email, client.ip);
      // The failure point is taken before bcrypt runs: concurrent guesses cannot outrun the budget.
      result = await this.limits.checkPassword(email, async () => {
        user = await em.findOne(User, { email }, { populate: ['passwordHash'] });
        return user
          ? this.hasher.verify(password, user.passwordHash)
          : this.hasher.dummyVerify(password);
      });
    } catch (err) {
      if (err instanceof TooManyRequestsError) {
        this.metrics.signIn('PASSWORD', 'rate_limited');
        this.logger.warn(
          { event: 'sign_in_refused', scope: err.scope, ip: client.ip },
          'sign-in refused: rate limit',
        );
      }
      throw err;
    }
    const found = user as User | null;
    if (!found || !result.ok) {
      const userId = found?.id ?? null;
      this.metrics.signIn('PASSWORD', 'invalid_credentials');
      this.logger.info({ event: 'sign_in_failed', userId, ip: client.ip }, 'sign-in failed');
      if (result.locked) {
        this.logger.warn(
          { event: 'sign_in_lockout', userId, ip: client.ip },
          'sign-in locked: too many failures for this address',
        );
      }
      // Only for a real account: an unknown address has nobody to show the event to.
      if (found) {
        await transaction(em, async (uow) => {
          const base = { userId: found.id, method: 'PASSWORD', ...client };
          await this.events.record(uow, { type: SecurityEventType.SIGN_IN_FAILED, ...base });
          if (result.locked)
            await this.events.record(uow, { type: SecurityEventType.LOCKED_OUT, ...base });
        });
      }
      throw invalidCredentials();
    }
    return this.flow.finish(em, found, 'PASSWORD', client);
  }
}
