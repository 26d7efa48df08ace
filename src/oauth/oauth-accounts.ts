import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import type { AccountLifecycle } from '../accounts/account-lifecycle';
import { transaction, type UnitOfWork } from '../database/unit-of-work';
import { AppError, emailNotVerified, ErrorCode } from '../errors';
import { SecurityEventType, type SecurityEvents } from '../events/security-events';
import type { Logger } from '../logger';
import type { ClientInfo } from '../sessions/session.service';
import { OneTimeToken, TokenPurpose } from '../tokens/one-time-token.entity';
import type { OneTimeTokenService } from '../tokens/one-time-token.service';
import { User } from '../users/user.entity';
import type { UserWriter } from '../users/user-writer';
import { LinkedAccount } from './linked-account.entity';
import type { ProviderIdentity } from './oauth-providers';

export interface OAuthAccountsDeps {
  lifecycle: AccountLifecycle;
  users: UserWriter;
  tokens: OneTimeTokenService;
  events: SecurityEvents;
  logger: Logger;
}

/**
 * Which account a provider identity signs in to: its linked user, else the account its verified
 * address joins, else a new one. Shared by the web flow and native ID tokens.
 */
export class OAuthAccounts {
  constructor(private readonly deps: OAuthAccountsDeps) {}

  /**
   * The linking rules: a known (provider, subject) signs in its user, verified or not. Otherwise only
   * a provider-verified address counts: it joins the account with that address (proving it, with the
   * reclaim rule; an account never activated loses its pending passwords and is activated), or makes a
   * new active account without a password. Throws EMAIL_NOT_VERIFIED (the provider did not verify the
   * address), FORBIDDEN (no address, or the account has another identity of that provider).
   */
  async resolve(em: EntityManager, identity: ProviderIdentity, client: ClientInfo): Promise<User> {
    try {
      return await transaction(em, (uow) => this.resolveIn(uow, identity, client));
    } catch (err) {
      // A parallel first sign-in of the same identity made the link first: it now resolves to that user.
      if (!(err instanceof UniqueConstraintViolationException)) throw err;
      return transaction(em, (uow) => this.resolveIn(uow, identity, client));
    }
  }

  private async resolveIn(
    uow: UnitOfWork,
    identity: ProviderIdentity,
    client: ClientInfo,
  ): Promise<User> {
    const known = await this.knownUser(uow, identity);
    if (known) return known;
    const email = identity.email;
    if (email === null)
      throw new AppError(
        ErrorCode.FORBIDDEN,
        'The provider did not share an email address: allow it to, then sign in again.',
      );
    // An unproven claim on an address may not take an account, nor hold one its owner signs up for later.
    if (!identity.emailVerified) throw emailNotVerified();
    const existing = await uow.em.findOne(User, { email });
    const { user, event } = existing
      ? await this.join(uow, existing, identity, client)
      : {
          user: await this.deps.lifecycle.create(
            uow,
            { email, passwordHash: null, isActive: true, emailProof: 'provider' },
            client,
            'OAUTH',
          ),
          event: 'oauth_created',
        };
    uow.em.create(LinkedAccount, {
      user,
      provider: identity.provider,
      subject: identity.subject,
      email,
      emailVerified: identity.emailVerified,
    });
    await uow.em.flush();
    await this.recorded(uow, user, identity, client, event);
    return user;
  }

  /** The user a (provider, subject) is linked to, refreshing the address the link shows. */
  private async knownUser(uow: UnitOfWork, identity: ProviderIdentity): Promise<User | null> {
    const known = await uow.em.findOne(
      LinkedAccount,
      { provider: identity.provider, subject: identity.subject },
      { populate: ['user'] },
    );
    if (!known) return null;
    if (identity.email !== null && known.email !== identity.email) {
      known.email = identity.email;
      // Only ever downgraded: a link made on an unverified address stays marked, so a reset or a
      // verified join still removes it after its maker changes the address it claims.
      known.emailVerified = known.emailVerified && identity.emailVerified;
      await uow.em.flush();
    }
    return known.user;
  }

  /** A verified address joins the account that has it, proving it; a never-activated one is activated. */
  private async join(
    uow: UnitOfWork,
    user: User,
    identity: ProviderIdentity,
    client: ClientInfo,
  ): Promise<{ user: User; event: string }> {
    const tx = uow.em;
    // An account nobody had proven is reclaimed first: whatever its earlier holder added goes, their
    // link of this same provider included.
    await this.deps.lifecycle.proveAddress(uow, user, 'provider', client);
    if (await tx.count(LinkedAccount, { user: user.id, provider: identity.provider }))
      throw new AppError(
        ErrorCode.FORBIDDEN,
        'This account is linked to another account of this provider.',
      );
    if (user.isActive) return { user, event: 'oauth_joined' };
    // Pre-account-takeover defence: passwords chosen at sign-up, by anyone, are discarded.
    await this.deps.users.set(uow, user.id, {
      passwordHash: null,
      isActive: true,
      passwordChangedAt: new Date(),
    });
    await this.deps.tokens.retire(tx, user.id, TokenPurpose.ACTIVATION);
    await this.deps.tokens.retire(tx, user.id, TokenPurpose.RESET);
    await tx.nativeUpdate(OneTimeToken, { user: user.id }, { passwordHash: null });
    const activated = await tx.findOneOrFail(User, { id: user.id }, { refresh: true });
    await this.deps.lifecycle.activated(uow, activated, 'provider', client, 'OAUTH');
    return { user: activated, event: 'oauth_activated' };
  }

  /** The event and log line of a new link (the account's own are the lifecycle's). */
  private async recorded(
    uow: UnitOfWork,
    user: User,
    identity: ProviderIdentity,
    client: ClientInfo,
    event: string,
  ): Promise<void> {
    const userId = user.id;
    await this.deps.events.record(uow, {
      type: SecurityEventType.ACCOUNT_LINKED,
      userId,
      ...client,
      detail: { provider: identity.provider },
    });
    // The row was written by a flush, not through the writer's update.
    this.deps.users.changed(uow, userId);
    uow.afterCommit(() => {
      this.deps.logger.info(
        { event, userId, provider: identity.provider, ip: client.ip },
        'account linked',
      );
    });
  }
}
