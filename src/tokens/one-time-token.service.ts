import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { invalidToken, tokenExpired } from '../errors';
import type { User } from '../users/user.entity';
import type { EmailTokenClaims, JwtService } from './jwt';
import { OneTimeToken, TokenPurpose } from './one-time-token.entity';

/**
 * Emailed links: a signed JWT of its own purpose whose `jti` is a row here. The row makes the link
 * single-use and lets a newer link (or a password change) kill older ones.
 */
export class OneTimeTokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly ttlSec: Record<TokenPurpose, number>,
  ) {}

  /**
   * Issues a new link; call inside a transaction. Without `passwordHash` it retires any earlier unused
   * link of the same purpose. With one (a sign-up's activation link, bound to that sign-up's password)
   * it retires nothing: each sign-up keeps its own link, and the first one used voids the rest.
   */
  async issue(
    em: EntityManager,
    user: User,
    purpose: TokenPurpose,
    options: { passwordHash?: string } = {},
  ): Promise<string> {
    const passwordHash = options.passwordHash ?? null;
    if (passwordHash === null) await this.retire(em, user.id, purpose);
    const id = randomUUID();
    const ttl = this.ttlSec[purpose];
    const expiresAt = new Date(Date.now() + ttl * 1000);
    em.create(OneTimeToken, { id, user, purpose, expiresAt, passwordHash });
    await em.flush();
    return this.jwt.signEmailToken(purpose, user.id, id, ttl);
  }

  /** Kills every unused link of this purpose (a newer link was sent, or the password changed). */
  async retire(em: EntityManager, userId: string, purpose: TokenPurpose): Promise<void> {
    await em.nativeUpdate(
      OneTimeToken,
      { user: userId, purpose, usedAt: null },
      { usedAt: new Date() },
    );
  }

  /** Checks signature, purpose and expiry without using the token up. Throws INVALID_TOKEN, TOKEN_EXPIRED. */
  verify(token: string, purpose: TokenPurpose): EmailTokenClaims {
    const kind = purpose === TokenPurpose.ACTIVATION ? 'activation' : 'reset';
    const result = this.jwt.verifyEmailToken(token, kind);
    if (!result.ok) throw result.reason === 'expired' ? tokenExpired() : invalidToken();
    return result.claims;
  }

  /**
   * Marks the token used, atomically (UPDATE ... WHERE used_at IS NULL): of parallel uses, one wins.
   * Returns the user id. Throws INVALID_TOKEN, TOKEN_EXPIRED. Call inside the transaction that acts on it.
   */
  async consume(
    em: EntityManager,
    token: string | EmailTokenClaims,
    purpose: TokenPurpose,
  ): Promise<string> {
    const { sub, jti } = typeof token === 'string' ? this.verify(token, purpose) : token;
    const used = await em.nativeUpdate(
      OneTimeToken,
      { id: jti, user: sub, purpose, usedAt: null, expiresAt: { $gt: new Date() } },
      { usedAt: new Date() },
    );
    if (used !== 1) throw invalidToken();
    return sub;
  }

  /** The password hash a consumed link was bound to (see `issue`), or null. Same transaction as consume. */
  async boundPasswordHash(em: EntityManager, claims: EmailTokenClaims): Promise<string | null> {
    const row = await em.findOne(OneTimeToken, { id: claims.jti }, { populate: ['passwordHash'] });
    return row?.passwordHash ?? null;
  }
}
