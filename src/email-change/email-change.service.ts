import type { EntityManager } from '@mikro-orm/core';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { AccountLifecycle } from '../accounts/account-lifecycle';
import type { SignInFlow } from '../auth/sign-in-flow';
import { useMailedCode } from '../codes/code-attempt';
import { CODE_TTL_MS } from '../codes/email-codes';
import { SignInCode } from '../codes/sign-in-code.entity';
import type { EmailChangeConfig } from './email-change.config';
import { transaction, type UnitOfWork } from '../database/unit-of-work';
import {
  AppError,
  badInput,
  ErrorCode,
  invalidCode,
  invalidToken,
  unauthenticated,
} from '../errors';
import { SecurityEventType, type SecurityEvents } from '../events/security-events';
import type { RateLimits } from '../limits/rate-limits';
import type { Logger } from '../logger';
import { type Links } from '../mail/links';
import type { Mailer } from '../mail/mailer';
import { confirmPassword } from '../password/confirm-password';
import type { PasswordHasher } from '../password/password-hasher';
import { assertFresh, FRESH_FOR_NEW_WAY_IN } from '../sessions/freshness';
import type { ClientInfo, SessionService } from '../sessions/session.service';
import type { EmailTokenClaims } from '../tokens/jwt';
import { TokenPurpose } from '../tokens/one-time-token.entity';
import type { OneTimeTokenService } from '../tokens/one-time-token.service';
import { normalizeEmail } from '../users/email';
import type { UserWriter } from '../users/user-writer';
import { User } from '../users/user.entity';
import { webhookUser, type Webhooks } from '../webhooks/webhooks';

/** The signed-in user asking, with their session and its auth_time (seconds). */
export interface EmailChanger {
  userId: string;
  sessionId: string;
  authTime: number;
}

const PENDING = [TokenPurpose.EMAIL_CHANGE, TokenPurpose.EMAIL_CHANGE_OLD] as const;
type Row = Pick<EmailTokenClaims, 'sub' | 'jti'>;

export interface EmailChangeServiceDeps {
  readonly config: { readonly emailChange: EmailChangeConfig };
  readonly hasher: PasswordHasher;
  readonly limits: RateLimits;
  readonly flow: SignInFlow;
  readonly tokens: OneTimeTokenService;
  readonly mailer: Mailer;
  readonly links: Links;
  readonly users: UserWriter;
  readonly lifecycle: AccountLifecycle;
  readonly sessions: SessionService;
  readonly events: SecurityEvents;
  readonly webhooks: Webhooks;
  readonly logger: Logger;
}

/**
 * Changing the account's address. The new address proves itself with a link or a code (the one-time
 * token rows of purpose `email_change`, which carry the new address and the asking session); with
 * EMAIL_CHANGE_CONFIRM_BOTH the old address then confirms too (`email_change_old`). Only then does the
 * address change, proven by mail (the reclaim rule applies), and every other session ends. A new
 * request or a password change retires a pending one. Nothing here tells the asker whether the new
 * address already has an account: its owner is told instead.
 */
export class EmailChangeService {
  constructor(private readonly deps: EmailChangeServiceDeps) {}

  /**
   * Mails the new address a link and a code, and the old one a notice naming the new one; answers true
   * whether or not the new address is taken (its owner is told, nothing changes). The password is
   * required when the account has one (failure budget of sign-in); an account without one needs a fresh
   * sign-in instead. Throws BAD_USER_INPUT, UNAUTHENTICATED (password), REAUTHENTICATION_REQUIRED,
   * TOO_MANY_REQUESTS.
   */
  async request(
    em: EntityManager,
    viewer: EmailChanger,
    rawNewEmail: unknown,
    password: unknown,
    client: ClientInfo,
  ): Promise<true> {
    const newEmail = normalizeEmail(rawNewEmail);
    const user = await em.findOne(User, { id: viewer.userId }, { populate: ['passwordHash'] });
    if (!user) throw unauthenticated();
    if (newEmail === user.email) throw badInput('This is already the address of your account.');
    if (user.passwordHash !== null) {
      if (password === null || password === undefined)
        throw badInput('Enter your password to change your address.');
      await confirmPassword(
        em,
        this.deps.hasher,
        this.deps.limits,
        user.id,
        password,
        'Password is incorrect.',
      );
    } else {
      assertFresh(viewer.authTime, FRESH_FOR_NEW_WAY_IN);
    }
    await this.deps.limits.emailRequest(newEmail, client.ip);
    const owner = await em.count(User, { email: newEmail });
    await transaction(em.fork(), async (uow) => {
      // Another change asked: the pending one dies.
      await this.deps.tokens.retire(uow.em, user.id, PENDING);
      await this.deps.mailer.queue(uow, 'email-change-requested', user, { newEmail });
      if (owner > 0) {
        await this.deps.mailer.queue(uow, 'email-change-taken', newEmail);
        return;
      }
      const { token, code } = await this.deps.tokens.issue(
        uow.em,
        uow.em.getReference(User, user.id),
        TokenPurpose.EMAIL_CHANGE,
        { newEmail, sessionId: viewer.sessionId },
      );
      const ttlMs = this.deps.config.emailChange.ttlSec * 1000;
      // The new address has no account yet: the mail is in the language of the account that asks.
      await this.deps.mailer.queue(
        uow,
        'email-change-confirm',
        newEmail,
        {
          link: this.deps.links.emailChange(token),
          ttl: ttlMs,
          code,
          codeTtl: Math.min(CODE_TTL_MS, ttlMs),
        },
        { locale: user.locale },
      );
    });
    this.deps.logger.info(
      { event: 'email_change_requested', userId: user.id, ip: client.ip },
      'email change requested',
    );
    return true;
  }

  /**
   * The link of a confirmation mail (the new address's, or with EMAIL_CHANGE_CONFIRM_BOTH the old
   * one's); returns the user as stored after it (the old address while a confirmation is still due).
   * Throws INVALID_TOKEN (also: the address was taken meanwhile), TOKEN_EXPIRED, TOO_MANY_REQUESTS.
   */
  async confirm(em: EntityManager, token: unknown, client: ClientInfo): Promise<User> {
    await this.deps.limits.tokenAttempt(client.ip);
    if (typeof token !== 'string') throw invalidToken();
    const { purpose, claims } = this.verify(token);
    return this.confirmRow(em, purpose, claims, client, null);
  }

  /**
   * The 6-digit code of the new address's mail, entered by the signed-in user; spends the link too.
   * Counts in the account's failure budget like every mailed code. Throws INVALID_TOKEN,
   * TOO_MANY_REQUESTS.
   */
  async confirmWithCode(
    em: EntityManager,
    viewer: EmailChanger,
    rawCode: unknown,
    client: ClientInfo,
  ): Promise<User> {
    const user = await em.findOne(User, { id: viewer.userId });
    if (!user) throw unauthenticated();
    return useMailedCode(em, this.deps.limits, this.deps.flow, user.email, rawCode, client, {
      refused: invalidCode,
      find: (userId, code) =>
        userId === viewer.userId
          ? this.deps.tokens.matchCode(em, userId, TokenPurpose.EMAIL_CHANGE, code)
          : Promise.resolve(null),
      use: (_user, row) =>
        this.confirmRow(em, TokenPurpose.EMAIL_CHANGE, row, client, viewer.sessionId),
    });
  }

  /** Which confirmation a link is: the new address's, else the old one's. */
  private verify(token: string): { purpose: TokenPurpose; claims: Row } {
    try {
      return {
        purpose: TokenPurpose.EMAIL_CHANGE,
        claims: this.deps.tokens.verify(token, TokenPurpose.EMAIL_CHANGE),
      };
    } catch (err) {
      if (!(err instanceof AppError && err.code === ErrorCode.INVALID_TOKEN)) throw err;
      return {
        purpose: TokenPurpose.EMAIL_CHANGE_OLD,
        claims: this.deps.tokens.verify(token, TokenPurpose.EMAIL_CHANGE_OLD),
      };
    }
  }

  /**
   * Spends the row and either asks the old address next (EMAIL_CHANGE_CONFIRM_BOTH, after the new one)
   * or completes the change. `keep`: the session that stays signed in (the code's), else the one that
   * asked. Throws INVALID_TOKEN.
   */
  private async confirmRow(
    em: EntityManager,
    purpose: TokenPurpose,
    row: Row,
    client: ClientInfo,
    keep: string | null,
  ): Promise<User> {
    let userId: string;
    try {
      userId = await transaction(em, async (uow) => {
        const id = await this.deps.tokens.consume(uow.em, row, purpose);
        const change = await this.deps.tokens.emailChangeOf(uow.em, row);
        if (!change) throw invalidToken();
        if (purpose === TokenPurpose.EMAIL_CHANGE && this.deps.config.emailChange.confirmBoth) {
          await this.askOldAddress(uow, id, change);
        } else {
          await this.complete(uow, id, change.newEmail, keep ?? change.sessionId, client);
        }
        return id;
      });
    } catch (err) {
      // Taken by a sign-up or another change since the request: the link cannot apply any more.
      if (err instanceof UniqueConstraintViolationException)
        throw invalidToken('This address is no longer available: ask for the change again.');
      throw err;
    }
    return em.findOneOrFail(User, { id: userId }, { refresh: true });
  }

  private async askOldAddress(
    uow: UnitOfWork,
    userId: string,
    change: { newEmail: string; sessionId: string | null },
  ): Promise<void> {
    const user = await uow.em.findOneOrFail(User, { id: userId });
    const { token } = await this.deps.tokens.issue(
      uow.em,
      uow.em.getReference(User, userId),
      TokenPurpose.EMAIL_CHANGE_OLD,
      { newEmail: change.newEmail, ...(change.sessionId ? { sessionId: change.sessionId } : {}) },
    );
    await this.deps.mailer.queue(uow, 'email-change-confirm-old', user, {
      link: this.deps.links.emailChange(token),
      ttl: this.deps.config.emailChange.ttlSec * 1000,
      newEmail: change.newEmail,
    });
  }

  /** The change itself, in the confirmation's transaction. */
  private async complete(
    uow: UnitOfWork,
    userId: string,
    newEmail: string,
    keep: string | null,
    client: ClientInfo,
  ): Promise<void> {
    await this.deps.users.lock(uow, userId);
    const before = await uow.em.findOneOrFail(User, { id: userId }, { refresh: true });
    const previousEmail = before.email;
    await this.deps.users.set(uow, userId, { email: newEmail });
    // Proven by its mailbox just now: verified, with the reclaim rule for an account that was not.
    await this.deps.lifecycle.proveAddress(
      uow,
      { id: userId, email: newEmail, emailProof: before.emailProof },
      'mail',
      client,
    );
    await this.deps.sessions.revokeAll(uow, userId, keep ?? undefined);
    // Whatever was mailed to the old address must not work once it is no longer the account's.
    await this.deps.tokens.retire(uow.em, userId, [
      TokenPurpose.ACTIVATION,
      TokenPurpose.RESET,
      ...PENDING,
    ]);
    await uow.em.nativeUpdate(SignInCode, { user: userId, usedAt: null }, { usedAt: new Date() });
    // The old address no longer names the account: its language is given, not looked up.
    await this.deps.mailer.queue(
      uow,
      'email-changed',
      previousEmail,
      { newEmail },
      { locale: before.locale },
    );
    await this.deps.events.record(uow, {
      type: SecurityEventType.EMAIL_CHANGED,
      userId,
      ...client,
      detail: { from: previousEmail, to: newEmail },
    });
    await this.deps.webhooks.queue(uow, 'user.email_changed', {
      ...webhookUser({ ...before, email: newEmail }),
      previousEmail,
    });
    this.deps.logger.info(
      { event: 'email_changed', userId, ip: client.ip },
      'email address changed',
    );
  }
}
