import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import ms from 'ms';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { Links } from '../mail/links';
import type { Mailer } from '../mail/mailer';
import { activationMail, alreadyRegisteredMail } from '../mail/templates';
import type { PasswordHasher } from '../password/password-hasher';
import { assertPasswordAcceptable } from '../password/password-policy';
import { TokenPurpose } from '../tokens/one-time-token.entity';
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
    private readonly logger: Logger,
    private readonly users: UserCache,
    private readonly links = Links.from(config),
  ) {}

  /**
   * Creates an inactive account and mails its activation link; for a known address, mails the owner
   * instead and answers the same. Throws BAD_USER_INPUT.
   */
  async signUp(em: EntityManager, rawEmail: unknown, password: unknown): Promise<true> {
    const email = normalizeEmail(rawEmail);
    assertPasswordAcceptable(password, email);
    // Hashed for known addresses too, so both answers take the same time.
    const passwordHash = await this.hasher.hash(password);
    try {
      const link = await em.transactional(async (tx) => {
        if (await tx.findOne(User, { email })) return null;
        const user = tx.create(User, { email, passwordHash });
        await tx.flush();
        return this.activationLink(await this.tokens.issue(tx, user, TokenPurpose.ACTIVATION));
      });
      if (link) {
        this.mailer.enqueue(activationMail(email, link, this.activationTtlText()));
        this.logger.info({ event: 'sign_up' }, 'account created');
        return true;
      }
    } catch (err) {
      // A parallel sign-up with the same address won the race: answer as for any known address.
      if (!(err instanceof UniqueConstraintViolationException)) throw err;
    }
    await this.notifyExisting(this.orm.em.fork(), email);
    return true;
  }

  /** Mails a fresh link to an inactive account; answers true for any address. Throws BAD_USER_INPUT. */
  async resendActivation(rawEmail: unknown): Promise<true> {
    const email = normalizeEmail(rawEmail);
    // Done after the answer: a known and an unknown address must take the same time.
    void this.inBackground(async () => {
      const em = this.orm.em.fork();
      const user = await em.findOne(User, { email });
      if (!user || user.isActive) return;
      const token = await em.transactional((tx) =>
        this.tokens.issue(tx, tx.getReference(User, user.id), TokenPurpose.ACTIVATION),
      );
      this.mailer.enqueue(
        activationMail(email, this.activationLink(token), this.activationTtlText()),
      );
    });
    return true;
  }

  /** Activates the account the link was issued for. Throws INVALID_TOKEN, TOKEN_EXPIRED. */
  async activate(em: EntityManager, token: string): Promise<User> {
    const userId = await em.transactional(async (tx) => {
      const id = await this.tokens.consume(tx, token, TokenPurpose.ACTIVATION);
      await tx.nativeUpdate(User, { id }, { isActive: true, updatedAt: new Date() });
      return id;
    });
    this.users.invalidate(userId);
    this.logger.info({ event: 'activated', userId }, 'account activated');
    return em.findOneOrFail(User, { id: userId }, { refresh: true });
  }

  private async notifyExisting(em: EntityManager, email: string): Promise<void> {
    const user = await em.findOne(User, { email });
    if (!user) return;
    if (user.isActive) {
      this.mailer.enqueue(alreadyRegisteredMail(email));
      return;
    }
    const token = await em.transactional((tx) =>
      this.tokens.issue(tx, tx.getReference(User, user.id), TokenPurpose.ACTIVATION),
    );
    this.mailer.enqueue(
      activationMail(email, this.activationLink(token), this.activationTtlText()),
    );
  }

  private activationLink(token: string): string {
    return this.links.activation(token);
  }

  private activationTtlText(): string {
    return ms(this.config.activationTtlSec * 1000, { long: true });
  }

  private async inBackground(task: () => Promise<void>): Promise<void> {
    try {
      await task();
    } catch (err) {
      this.logger.error({ err }, 'background account task failed');
    }
  }
}
