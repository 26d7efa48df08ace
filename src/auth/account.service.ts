import type { SignInFlow } from './sign-in-flow';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Background } from '../background';
import { useMailedCode } from '../codes/code-attempt';
import { CODE_TTL_MS } from '../codes/email-codes';
import { transaction, type UnitOfWork } from '../database/unit-of-work';
import { invalidToken } from '../errors';
import type { LocaleConfig } from '../profile/profile-rules';
import { invalidCode } from '../errors';
import { SecurityEventType, type SecurityEvents } from '../events/security-events';
import type { RateLimits } from '../limits/rate-limits';
import type { Logger } from '../logger';
import { type Links } from '../mail/links';
import type { Mailer } from '../mail/mailer';
import { confirmPassword } from '../password/confirm-password';
import type { PasswordHasher } from '../password/password-hasher';
import { assertPasswordAcceptable } from '../password/password-policy';
import type { ClientInfo } from '../sessions/session.service';
import { TokenPurpose } from '../tokens/one-time-token.entity';
import type { EmailTokenClaims } from '../tokens/jwt';
import type { OneTimeTokenService } from '../tokens/one-time-token.service';
import { checkLocale, checkName, negotiateLocale } from '../profile/profile-rules';
import { normalizeEmail } from '../users/email';
import type { UserWriter } from '../users/user-writer';
import type { AccountLifecycle } from '../accounts/account-lifecycle';
import type { Webhooks } from '../webhooks/webhooks';
import { User } from '../users/user.entity';

/** What a sign-up may say about its owner besides the address and password. */
export interface SignUpProfile {
  name?: unknown;
  locale?: unknown;
  /** The request's Accept-Language header: the locale when none is given. */
  acceptLanguage?: string | null;
}

export interface AccountServiceDeps {
  readonly config: {
    readonly activationTtlSec: number;
    readonly resetTtlSec: number;
    readonly locales: LocaleConfig;
  };
  readonly orm: MikroORM;
  readonly hasher: PasswordHasher;
  readonly tokens: OneTimeTokenService;
  readonly mailer: Mailer;
  readonly links: Links;
  readonly limits: RateLimits;
  readonly flow: SignInFlow;
  readonly users: UserWriter;
  readonly lifecycle: AccountLifecycle;
  readonly events: SecurityEvents;
  readonly webhooks: Webhooks;
  readonly logger: Logger;
  readonly background: Background;
}

/** Sign-up and activation. Nothing here tells a caller whether an address is registered. */
export class AccountService {
  constructor(private readonly deps: AccountServiceDeps) {}

  /**
   * Creates an inactive account and mails its activation link, bound to this sign-up's password; for
   * a known address, mails the owner instead and answers the same: a waiting account gets one more
   * link, bound to this sign-up's password, which replaces nothing the earlier sign-ups hold.
   * The profile's `name` and `locale` (else the best match of `acceptLanguage`, else DEFAULT_LOCALE)
   * apply to a new account only. Throws BAD_USER_INPUT, TOO_MANY_REQUESTS.
   */
  async signUp(
    em: EntityManager,
    rawEmail: unknown,
    password: unknown,
    client: ClientInfo,
    profile: SignUpProfile = {},
  ): Promise<true> {
    const email = normalizeEmail(rawEmail);
    assertPasswordAcceptable(password, email);
    const name = profile.name === undefined ? null : checkName(profile.name);
    const locale =
      profile.locale === undefined || profile.locale === null
        ? negotiateLocale(profile.acceptLanguage, this.deps.config.locales)
        : checkLocale(profile.locale, this.deps.config.locales);
    // After the cheap input checks (a typo costs no budget), before bcrypt.
    await this.deps.limits.emailRequest(email, client.ip);
    // Hashed for known addresses too, so both answers take the same time.
    const passwordHash = await this.deps.hasher.hash(password);
    try {
      const created = await transaction(em, async (uow) => {
        if (await uow.em.findOne(User, { email })) return null;
        const user = await this.deps.lifecycle.create(
          uow,
          { email, passwordHash, isActive: false, emailProof: null, name, locale },
          client,
        );
        await this.queueActivation(uow, user, passwordHash);
        return user;
      });
      if (created) {
        this.deps.logger.info({ event: 'sign_up', userId: created.id }, 'account created');
        return true;
      }
    } catch (err) {
      // A parallel sign-up with the same address won the race: answer as for any known address.
      if (!(err instanceof UniqueConstraintViolationException)) throw err;
    }
    await this.notifyExisting(this.deps.orm.em.fork(), email, passwordHash);
    return true;
  }

  /**
   * For an inactive account, mails a link on which the mailbox's owner chooses the password (a reset
   * link: `resetPassword` activates a waiting account). Never a link that activates a password chosen
   * by whoever signed up: anyone may ask for a resend. Answers true for any address.
   * Throws BAD_USER_INPUT, TOO_MANY_REQUESTS.
   */
  async resendActivation(rawEmail: unknown, client: ClientInfo): Promise<true> {
    const email = normalizeEmail(rawEmail);
    await this.deps.limits.emailRequest(email, client.ip);
    // Done after the answer: a known and an unknown address must take the same time.
    this.deps.background.run('resend activation', async () => {
      const em = this.deps.orm.em.fork();
      const user = await em.findOne(User, { email });
      if (!user || user.isActive) return;
      await transaction(em, async (uow) => {
        const { token, code } = await this.deps.tokens.issue(
          uow.em,
          uow.em.getReference(User, user.id),
          TokenPurpose.RESET,
        );
        await this.deps.mailer.queue(uow, 'activation-choose-password', user, {
          link: this.deps.links.resetPassword(token),
          ttl: this.deps.config.resetTtlSec * 1000,
          code,
          codeTtl: Math.min(CODE_TTL_MS, this.deps.config.resetTtlSec * 1000),
        });
      });
    });
    return true;
  }

  /**
   * Activates the account the link was issued for, with the password of the sign-up that asked for
   * it, and voids every other pending link of the address. Throws INVALID_TOKEN (also: the account is
   * already active), TOKEN_EXPIRED, TOO_MANY_REQUESTS.
   */
  async activate(em: EntityManager, token: string, client: ClientInfo): Promise<User> {
    await this.deps.limits.tokenAttempt(client.ip);
    return this.activateRow(em, this.deps.tokens.verify(token, TokenPurpose.ACTIVATION), client);
  }

  /**
   * Activates with the 6-digit code of an activation mail: the same row as its link, so either one
   * spends both. A wrong code and an unknown address answer alike; each try spends a point of the
   * address's sign-in failure budget (given back on success). Throws INVALID_TOKEN, BAD_USER_INPUT,
   * TOO_MANY_REQUESTS.
   */
  activateWithCode(
    em: EntityManager,
    rawEmail: unknown,
    rawCode: unknown,
    client: ClientInfo,
  ): Promise<User> {
    return useMailedCode(em, this.deps.limits, this.deps.flow, rawEmail, rawCode, client, {
      refused: invalidCode,
      find: (userId, code) => this.deps.tokens.matchCode(em, userId, TokenPurpose.ACTIVATION, code),
      use: (_user, row) => this.activateRow(em, row, client),
    });
  }

  /** Spends the activation row (link or code) and activates its account. Throws INVALID_TOKEN. */
  private async activateRow(
    em: EntityManager,
    row: Pick<EmailTokenClaims, 'sub' | 'jti'>,
    client: ClientInfo,
  ): Promise<User> {
    const userId = await transaction(em, async (uow) => {
      const id = await this.deps.tokens.consume(uow.em, row, TokenPurpose.ACTIVATION);
      const passwordHash = await this.deps.tokens.boundPasswordHash(uow.em, row);
      // Conditional on still waiting: of two links used at once, one activates; the other fails.
      const activated = await this.deps.users.set(
        uow,
        id,
        { isActive: true, ...(passwordHash ? { passwordHash } : {}) },
        { isActive: false },
      );
      if (activated !== 1) throw invalidToken();
      // Every other sign-up's link and code (and password) is void once the address has an owner.
      await this.deps.tokens.retire(uow.em, id, TokenPurpose.ACTIVATION);
      const user = await uow.em.findOneOrFail(User, { id }, { refresh: true });
      await this.deps.lifecycle.activated(uow, user, 'mail', client);
      return id;
    });
    this.deps.logger.info({ event: 'activated', userId }, 'account activated');
    return em.findOneOrFail(User, { id: userId }, { refresh: true });
  }

  /**
   * Deletes the signed-in user with everything tied to them (sessions, emailed tokens); the address
   * can sign up again. Throws UNAUTHENTICATED (wrong password).
   */
  async deleteAccount(
    em: EntityManager,
    userId: string,
    password: unknown,
    client: ClientInfo,
  ): Promise<true> {
    const user = await confirmPassword(
      em,
      this.deps.hasher,
      this.deps.limits,
      userId,
      password,
      'Password is incorrect.',
    );
    await transaction(em, async (uow) => {
      // Every feature's holdings (sessions, tokens, codes, passkeys…) first, then the row.
      await this.deps.lifecycle.deleteUser(uow, userId);
      await this.deps.users.delete(uow, userId);
      // The row is gone by now: the account's language is given, not looked up.
      await this.deps.mailer.queue(uow, 'account-deleted', user);
      await this.deps.events.record(uow, { type: SecurityEventType.DELETED, userId, ...client });
      await this.deps.webhooks.queue(uow, 'user.deleted', { id: userId, email: user.email });
    });
    this.deps.logger.info({ event: 'account_deleted', userId }, 'account deleted');
    return true;
  }

  private async notifyExisting(em: EntityManager, email: string, passwordHash: string) {
    const user = await em.findOne(User, { email });
    if (!user) return;
    await transaction(em, async (uow) => {
      if (user.isActive) {
        await this.deps.mailer.queue(uow, 'already-registered', email);
      } else {
        await this.queueActivation(uow, user, passwordHash);
      }
    });
  }

  /** Issues an activation link and code bound to `passwordHash` and queues its mail, in the caller's unit of work. */
  private async queueActivation(uow: UnitOfWork, user: User, passwordHash: string): Promise<void> {
    const { token, code } = await this.deps.tokens.issue(
      uow.em,
      uow.em.getReference(User, user.id),
      TokenPurpose.ACTIVATION,
      { passwordHash },
    );
    const ttl = this.deps.config.activationTtlSec * 1000;
    await this.deps.mailer.queue(uow, 'activation', user, {
      link: this.deps.links.activation(token),
      ttl,
      code,
      codeTtl: Math.min(CODE_TTL_MS, this.deps.config.activationTtlSec * 1000),
    });
  }
}
