import type { SignInFlow } from '../auth/sign-in-flow';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { Background } from '../background';
import { useMailedCode } from '../codes/code-attempt';
import { CODE_TTL_MS } from '../codes/email-codes';

import { transaction, type UnitOfWork } from '../database/unit-of-work';
import { SecurityEventType, type SecurityEvents } from '../events/security-events';
import { badInput, invalidCode, invalidToken } from '../errors';
import type { RateLimits } from '../limits/rate-limits';
import type { Logger } from '../logger';
import { type Links } from '../mail/links';
import type { Mailer } from '../mail/mailer';
import type { ClientInfo, SessionService } from '../sessions/session.service';
import { TokenPurpose } from '../tokens/one-time-token.entity';
import type { EmailTokenClaims } from '../tokens/jwt';
import type { OneTimeTokenService } from '../tokens/one-time-token.service';
import { normalizeEmail } from '../users/email';
import type { UserWriter } from '../users/user-writer';
import type { AccountLifecycle } from '../accounts/account-lifecycle';
import { User } from '../users/user.entity';
import { confirmPassword } from './confirm-password';
import type { PasswordHasher } from './password-hasher';
import { assertPasswordAcceptable, normalizePassword } from './password-policy';

export interface PasswordServiceDeps {
  readonly config: { readonly resetTtlSec: number };
  readonly orm: MikroORM;
  readonly hasher: PasswordHasher;
  readonly tokens: OneTimeTokenService;
  readonly sessions: SessionService;
  readonly mailer: Mailer;
  readonly links: Links;
  readonly limits: RateLimits;
  readonly flow: SignInFlow;
  readonly users: UserWriter;
  readonly lifecycle: AccountLifecycle;
  readonly events: SecurityEvents;
  readonly logger: Logger;
  readonly background: Background;
}

/** Forgotten and changed passwords. Every change ends sessions and kills pending reset links. */
export class PasswordService {
  constructor(private readonly deps: PasswordServiceDeps) {}

  /**
   * Mails a reset link to a known address; answers true for any address.
   * Throws BAD_USER_INPUT, TOO_MANY_REQUESTS (its own budget: a sign-in lockout never blocks a reset).
   */
  async requestReset(rawEmail: unknown, client: ClientInfo): Promise<true> {
    const email = normalizeEmail(rawEmail);
    await this.deps.limits.emailRequest(email, client.ip);
    // Done after the answer: a known and an unknown address must take the same time.
    this.deps.background.run('password reset request', async () => {
      const em = this.deps.orm.em.fork();
      const user = await em.findOne(User, { email });
      if (!user) return;
      const ttl = this.deps.config.resetTtlSec * 1000;
      await transaction(em, async (uow) => {
        const { token, code } = await this.deps.tokens.issue(
          uow.em,
          uow.em.getReference(User, user.id),
          TokenPurpose.RESET,
        );
        await this.deps.mailer.queue(uow, 'reset-password', email, {
          link: this.deps.links.resetPassword(token),
          ttl,
          code,
          codeTtl: Math.min(CODE_TTL_MS, this.deps.config.resetTtlSec * 1000),
        });
      });
    });
    return true;
  }

  /**
   * Sets a new password from an emailed link: activates a waiting account (the address is proven),
   * ends every session and mails a notice. Throws INVALID_TOKEN, TOKEN_EXPIRED, BAD_USER_INPUT,
   * TOO_MANY_REQUESTS (token guessing).
   */
  async reset(
    em: EntityManager,
    token: string,
    newPassword: unknown,
    client: ClientInfo,
  ): Promise<true> {
    await this.deps.limits.tokenAttempt(client.ip);
    const claims = this.deps.tokens.verify(token, TokenPurpose.RESET);
    const user = await em.findOne(User, { id: claims.sub });
    if (!user) throw invalidToken();
    // Checked before the link is used up, so a weak password can be corrected with the same link.
    assertPasswordAcceptable(newPassword, user.email);
    return this.resetRow(em, user, claims, newPassword, client);
  }

  /**
   * Sets a new password with the 6-digit code of a reset mail (the same row as its link: either one
   * spends both). A wrong code and an unknown address answer alike; each try spends a point of the
   * address's sign-in failure budget (given back on success). Throws INVALID_TOKEN, BAD_USER_INPUT,
   * TOO_MANY_REQUESTS.
   */
  resetWithCode(
    em: EntityManager,
    rawEmail: unknown,
    rawCode: unknown,
    newPassword: unknown,
    client: ClientInfo,
  ): Promise<true> {
    return useMailedCode(em, this.deps.limits, this.deps.flow, rawEmail, rawCode, client, {
      refused: invalidCode,
      // Before the code is tried, so a weak password costs no try and can be corrected.
      precheck: (email) => assertPasswordAcceptable(newPassword, email),
      find: (userId, code) => this.deps.tokens.matchCode(em, userId, TokenPurpose.RESET, code),
      // A string: precheck asserted it.
      use: (user, row) => this.resetRow(em, user, row, newPassword as string, client),
    });
  }

  /** Spends the reset row (link or code), sets the password and ends every session. */
  private async resetRow(
    em: EntityManager,
    user: User,
    row: Pick<EmailTokenClaims, 'sub' | 'jti'>,
    newPassword: string,
    client: ClientInfo,
  ): Promise<true> {
    const passwordHash = await this.deps.hasher.hash(newPassword);
    const ended = await transaction(em, async (uow) => {
      await this.deps.tokens.consume(uow.em, row, TokenPurpose.RESET);
      await this.setPassword(uow, user.id, passwordHash, { activate: true });
      await this.deps.mailer.queue(uow, 'password-changed', user.email);
      await this.deps.events.record(uow, {
        type: SecurityEventType.PASSWORD_RESET,
        userId: user.id,
        ...client,
      });
      // A reset proves the mailbox: if the account was not proven by mail before, whatever an earlier
      // holder added (passkeys, TOTP, provider links that only claimed the address…) goes. For a
      // waiting account it is also its activation.
      if (user.isActive) await this.deps.lifecycle.proveAddress(uow, user, 'mail', client);
      else await this.deps.lifecycle.activated(uow, { ...user, isActive: true }, 'mail', client);
      return this.deps.sessions.revokeAll(uow, user.id);
    });
    this.deps.logger.info(
      { event: 'password_reset', userId: user.id, sessionsEnded: ended.length },
      'password reset',
    );
    return true;
  }

  /**
   * Changes the password of the signed-in user, keeping the current session and ending the others.
   * Throws UNAUTHENTICATED (wrong current password), BAD_USER_INPUT.
   */
  async change(
    em: EntityManager,
    viewer: { userId: string; sessionId: string },
    currentPassword: unknown,
    newPassword: unknown,
    client: ClientInfo,
  ): Promise<true> {
    const user = await confirmPassword(
      em,
      this.deps.hasher,
      this.deps.limits,
      viewer.userId,
      currentPassword,
      'Current password is incorrect.',
    );
    assertPasswordAcceptable(newPassword, user.email);
    if (normalizePassword(newPassword) === normalizePassword(currentPassword))
      throw badInput('The new password must differ from the current one.');
    const passwordHash = await this.deps.hasher.hash(newPassword);
    const ended = await transaction(em, async (uow) => {
      await this.setPassword(uow, user.id, passwordHash, { activate: false });
      await this.deps.mailer.queue(uow, 'password-changed', user.email);
      await this.deps.events.record(uow, {
        type: SecurityEventType.PASSWORD_CHANGED,
        userId: user.id,
        ...client,
      });
      return this.deps.sessions.revokeAll(uow, user.id, viewer.sessionId);
    });
    this.deps.logger.info(
      { event: 'password_changed', userId: user.id, sessionsEnded: ended.length },
      'password changed',
    );
    return true;
  }

  private async setPassword(
    uow: UnitOfWork,
    userId: string,
    passwordHash: string,
    options: { activate: boolean },
  ): Promise<void> {
    await this.deps.users.set(uow, userId, {
      passwordHash,
      passwordChangedAt: new Date(),
      ...(options.activate ? { isActive: true } : {}),
    });
    // A reset link mailed before this change must not work after it, nor a pending email change.
    await this.deps.tokens.retire(uow.em, userId, [
      TokenPurpose.RESET,
      TokenPurpose.EMAIL_CHANGE,
      TokenPurpose.EMAIL_CHANGE_OLD,
    ]);
    // Nor a pending sign-up's activation link: it would set that sign-up's password.
    if (options.activate) await this.deps.tokens.retire(uow.em, userId, TokenPurpose.ACTIVATION);
  }
}
