import type { AccountLifecycle, Adder } from '../accounts/account-lifecycle';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import type { OAuthConfig } from './oauth.config';
import { transaction } from '../database/unit-of-work';
import { AppError, badInput, ErrorCode, invalidToken } from '../errors';
import { SecurityEventType, type SecurityEvents } from '../events/security-events';
import type { RateLimits } from '../limits/rate-limits';
import type { Logger } from '../logger';
import type { ClientInfo } from '../sessions/session.service';
import { randomSecret } from '../tokens/random';
import { User } from '../users/user.entity';
import { LinkedAccount } from './linked-account.entity';
import type { OAuthProviders, ProviderIdentity } from './oauth-providers';
import { OAuthStateKind } from './oauth-state.entity';
import { CODE_KINDS, consumeState, saveState } from './oauth-state-store';

const LINK_TTL_MS = 10 * 60_000;

export interface LinkedAccountInfo {
  provider: string;
  email: string | null;
  createdAt: Date;
}

export interface OAuthLinkingDeps {
  config: { readonly oauth: OAuthConfig };
  providers: OAuthProviders;
  limits: RateLimits;
  events: SecurityEvents;
  lifecycle: AccountLifecycle;
  logger: Logger;
}

/**
 * A signed-in user's providers: linking one (startOAuthLink → web flow → finishOAuthLink), unlinking,
 * listing. The viewer is proven, so a link needs no verified address from the provider.
 */
export class OAuthLinking {
  constructor(private readonly deps: OAuthLinkingDeps) {}

  /**
   * A URL the signed-in user opens to link `providerName` (10 minutes, once); it returns to the app
   * with a link code that only this user's finishLink accepts. Throws BAD_USER_INPUT.
   */
  async startLink(em: EntityManager, userId: string, providerName: string): Promise<string> {
    const provider = this.deps.providers.get(providerName);
    const ticket = randomSecret();
    await saveState(em, ticket, {
      kind: OAuthStateKind.LINK,
      provider: provider.name,
      user: userId,
      ttlMs: LINK_TTL_MS,
    });
    const url = new URL(`${this.deps.config.oauth.callbackBaseUrl}/oauth/${provider.name}/start`);
    url.searchParams.set('link', ticket);
    return url.href;
  }

  /**
   * Spends a link code (60 s, once; unused codes too) and links its identity to the viewer, who must
   * be the user that called startOAuthLink. Returns the viewer's links. Throws INVALID_TOKEN (unknown,
   * used, expired, a sign-in code, or made for another user), FORBIDDEN (the identity belongs to
   * another user, or the viewer has another identity of that provider), TOO_MANY_REQUESTS.
   */
  async finishLink(
    em: EntityManager,
    adder: Adder,
    code: unknown,
    client: ClientInfo,
  ): Promise<LinkedAccountInfo[]> {
    const userId = adder.userId;
    await this.deps.limits.tokenAttempt(client.ip);
    const refused = (reason: string) => {
      this.deps.logger.warn(
        { event: 'oauth_link_refused', reason, userId, ip: client.ip },
        'oauth link code refused',
      );
      return invalidToken('This link code is invalid, has expired or has already been used.');
    };
    if (typeof code !== 'string' || code.length === 0 || code.length > 200)
      throw refused('malformed');
    const row = await consumeState(em, code, CODE_KINDS, null);
    if (row?.kind !== OAuthStateKind.LINK_CODE || !row.subject) throw refused('unknown');
    if (row.user?.id !== userId) throw refused('other_user');
    if (row.expiresAt.getTime() <= Date.now()) throw refused('expired');
    await this.link(
      em,
      adder,
      {
        provider: row.provider,
        subject: row.subject,
        email: row.email,
        emailVerified: row.emailVerified === true,
      },
      client,
    );
    return this.linkedAccounts(em, userId);
  }

  /**
   * Removes the viewer's link to `providerName`, unless it is their last way to sign in (no password,
   * no other link, no passkey). Throws BAD_USER_INPUT (not linked), FORBIDDEN (last way in).
   */
  async unlink(
    em: EntityManager,
    userId: string,
    providerName: string,
    client: ClientInfo,
  ): Promise<true> {
    await transaction(em, async (uow) => {
      const tx = uow.em;
      const link = await tx.findOne(LinkedAccount, { user: userId, provider: providerName });
      if (!link) throw badInput(`No "${providerName.slice(0, 40)}" account is linked.`);
      await tx.nativeDelete(LinkedAccount, { id: link.id });
      // The account's last way in stays (the delete rolls back): one rule for links and passkeys.
      await this.deps.lifecycle.assertWayInLeft(uow, userId);
      await this.deps.events.record(uow, {
        type: SecurityEventType.ACCOUNT_UNLINKED,
        userId,
        ...client,
        detail: { provider: providerName },
      });
    });
    this.deps.logger.info(
      { event: 'oauth_unlinked', userId, provider: providerName, ip: client.ip },
      'account unlinked',
    );
    return true;
  }

  async linkedAccounts(em: EntityManager, userId: string): Promise<LinkedAccountInfo[]> {
    const links = await em.find(
      LinkedAccount,
      { user: userId },
      { orderBy: { createdAt: 'asc', provider: 'asc' } },
    );
    return links.map((l) => ({ provider: l.provider, email: l.email, createdAt: l.createdAt }));
  }

  /** Links a provider identity to a signed-in user (finishOAuthLink). Throws FORBIDDEN. */
  private async link(
    em: EntityManager,
    adder: Adder,
    identity: ProviderIdentity,
    client: ClientInfo,
  ): Promise<void> {
    const userId = adder.userId;
    const linkedElsewhere = () =>
      new AppError(
        ErrorCode.FORBIDDEN,
        'This provider account is already linked to another account.',
      );
    try {
      await transaction(em, async (uow) => {
        const tx = uow.em;
        await this.deps.lifecycle.assertAdderLive(uow, adder);
        const taken = await tx.findOne(LinkedAccount, {
          provider: identity.provider,
          subject: identity.subject,
        });
        if (taken && taken.user.id === userId) return;
        if (taken) throw linkedElsewhere();
        if (await tx.count(LinkedAccount, { user: userId, provider: identity.provider }))
          throw new AppError(
            ErrorCode.FORBIDDEN,
            'Another account of this provider is linked: unlink it first.',
          );
        tx.create(LinkedAccount, {
          user: tx.getReference(User, userId),
          provider: identity.provider,
          subject: identity.subject,
          email: identity.email,
          emailVerified: identity.emailVerified,
        });
        await tx.flush();
        await this.deps.events.record(uow, {
          type: SecurityEventType.ACCOUNT_LINKED,
          userId,
          ...client,
          detail: { provider: identity.provider },
        });
        uow.afterCommit(() =>
          this.deps.logger.info(
            { event: 'oauth_linked', userId, provider: identity.provider, ip: client.ip },
            'account linked',
          ),
        );
      });
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw linkedElsewhere();
      throw err;
    }
  }
}
