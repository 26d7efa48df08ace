import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import ms from 'ms';
import { runInBackground } from '../background';
import type { Config } from '../config';
import { transaction, type UnitOfWork } from '../database/unit-of-work';
import type { RateLimits } from '../limits/rate-limits';
import type { Logger } from '../logger';
import { Links } from '../mail/links';
import type { Mailer } from '../mail/mailer';
import { confirmPassword } from '../password/confirm-password';
import type { PasswordHasher } from '../password/password-hasher';
import { assertPasswordAcceptable } from '../password/password-policy';
import { Session } from '../sessions/session.entity';
import type { ClientInfo, SessionService } from '../sessions/session.service';
import { OneTimeToken, TokenPurpose } from '../tokens/one-time-token.entity';
import type { OneTimeTokenService } from '../tokens/one-time-token.service';
import { normalizeEmail } from '../users/email';
import type { UserCache } from '../users/user-cache';
import { User } from '../users/user.entity';

/** Sign-up and activation. Nothing here tells a caller whether an address is registered. */
export class AccountService {
  constructor(
    private readonly config: Config,
    private readonly orm: MikroORM,
    private readonly hasher: PasswordHasher,
    private readonly tokens: OneTimeTokenService,
    private readonly mailer: Mailer,
    private readonly sessions: SessionService,
    private readonly limits: RateLimits,
    private readonly userCache: UserCache,
    private readonly logger: Logger,
    private readonly links = Links.from(config),
  ) {}

  /**
   * Creates an inactive account and mails its activation link; for a known address, mails the owner
   * instead and answers the same. Throws BAD_USER_INPUT, TOO_MANY_REQUESTS.
   */
  async signUp(
    em: EntityManager,
    rawEmail: unknown,
    password: unknown,
    client: ClientInfo,
  ): Promise<true> {
    const email = normalizeEmail(rawEmail);
    assertPasswordAcceptable(password, email);
    // After the cheap input checks (a typo costs no budget), before bcrypt.
    await this.limits.emailRequest(email, client.ip);
    // Hashed for known addresses too, so both answers take the same time.
    const passwordHash = await this.hasher.hash(password);
    try {
      const created = await transaction(em, async (uow) => {
        if (await uow.em.findOne(User, { email })) return null;
        const user = uow.em.create(User, { email, passwordHash });
        await uow.em.flush();
        await this.queueActivation(uow, user);
        return user;
      });
      if (created) {
        this.logger.info({ event: 'sign_up', userId: created.id }, 'account created');
        return true;
      }
    } catch (err) {
      // A parallel sign-up with the same address won the race: answer as for any known address.
      if (!(err instanceof UniqueConstraintViolationException)) throw err;
    }
    await this.notifyExisting(this.orm.em.fork(), email);
    return true;
  }

  /**
   * Mails a fresh link to an inactive account; answers true for any address.
   * Throws BAD_USER_INPUT, TOO_MANY_REQUESTS.
   */
  async resendActivation(rawEmail: unknown, client: ClientInfo): Promise<true> {
    const email = normalizeEmail(rawEmail);
    await this.limits.emailRequest(email, client.ip);
    // Done after the answer: a known and an unknown address must take the same time.
    runInBackground(this.logger, 'resend activation', async () => {
      const em = this.orm.em.fork();
      const user = await em.findOne(User, { email });
      if (!user || user.isActive) return;
      await transaction(em, (uow) => this.queueActivation(uow, user));
    });
    return true;
  }

  /** Activates the account the link was issued for. Throws INVALID_TOKEN, TOKEN_EXPIRED, TOO_MANY_REQUESTS. */
  async activate(em: EntityManager, token: string, client: ClientInfo): Promise<User> {
    await this.limits.tokenAttempt(client.ip);
    const userId = await transaction(em, async (uow) => {
      const id = await this.tokens.consume(uow.em, token, TokenPurpose.ACTIVATION);
      await uow.em.nativeUpdate(User, { id }, { isActive: true, updatedAt: new Date() });
      this.userCache.invalidateOnCommit(uow, id);
      return id;
    });
    this.logger.info({ event: 'activated', userId }, 'account activated');
    return em.findOneOrFail(User, { id: userId }, { refresh: true });
  }

  /**
   * Deletes the signed-in user with everything tied to them (sessions, emailed tokens); the address
   * can sign up again. Throws UNAUTHENTICATED (wrong password).
   */
  async deleteAccount(em: EntityManager, userId: string, password: unknown): Promise<true> {
    const user = await confirmPassword(em, this.hasher, userId, password, 'Password is incorrect.');
    await transaction(em, async (uow) => {
      await this.sessions.revokeAll(uow, userId);
      // Explicit, not only ON DELETE CASCADE: nothing of the user may outlive the account on any driver.
      await uow.em.nativeDelete(Session, { user: userId });
      await uow.em.nativeDelete(OneTimeToken, { user: userId });
      await uow.em.nativeDelete(User, { id: userId });
      this.userCache.invalidateOnCommit(uow, userId);
      await this.mailer.queue(uow, 'account-deleted', user.email);
    });
    this.logger.info({ event: 'account_deleted', userId }, 'account deleted');
    return true;
  }

  private async notifyExisting(em: EntityManager, email: string): Promise<void> {
    const user = await em.findOne(User, { email });
    if (!user) return;
    await transaction(em, (uow) =>
      user.isActive
        ? this.mailer.queue(uow, 'already-registered', email)
        : this.queueActivation(uow, user),
    );
  }

  /** Issues a new activation link (retiring older ones) and queues its mail, in the caller's transaction. */
  private async queueActivation(uow: UnitOfWork, user: User): Promise<void> {
    const token = await this.tokens.issue(
      uow.em,
      uow.em.getReference(User, user.id),
      TokenPurpose.ACTIVATION,
    );
    const ttl = ms(this.config.activationTtlSec * 1000, { long: true });
    await this.mailer.queue(uow, 'activation', user.email, {
      link: this.links.activation(token),
      ttl,
    });
  }
}
