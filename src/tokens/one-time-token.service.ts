import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { EmailCodes } from '../codes/email-codes';
import { invalidToken, tokenExpired } from '../errors';
import type { User } from '../users/user.entity';
import type { EmailTokenClaims, JwtService } from './jwt';
import { OneTimeToken, type TokenPurpose } from './one-time-token.entity';

/** What an activation or reset mail carries: a link's token and, on the same row, a 6-digit code. */
export interface IssuedEmailToken {
  token: string;
  code: string;
}

/**
 * Emailed links: a signed JWT of its own purpose whose `jti` is a row here. The row makes the link
 * single-use and lets a newer link (or a password change) kill older ones. The row also holds the
 * mail's 6-digit code, so using either the link or the code spends both.
 */
export class OneTimeTokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly ttlSec: Record<TokenPurpose, number>,
    private readonly codes: EmailCodes,
  ) {}

  /**
   * Issues a new link and its 6-digit code (on the same row); call inside a transaction. Without
   * `passwordHash` it retires any earlier unused link of the same purpose. With one (a sign-up's
   * activation link, bound to that sign-up's password) it retires nothing: each sign-up keeps its own
   * link and code, and the first one used voids the rest.
   */
  async issue(
    em: EntityManager,
    user: User,
    purpose: TokenPurpose,
    options: { passwordHash?: string; newEmail?: string; sessionId?: string } = {},
  ): Promise<IssuedEmailToken> {
    const passwordHash = options.passwordHash ?? null;
    if (passwordHash === null) await this.retire(em, user.id, purpose);
    const id = randomUUID();
    const ttl = this.ttlSec[purpose];
    const expiresAt = new Date(Date.now() + ttl * 1000);
    const { code, codeHash, codeExpiresAt } = this.codes.create(id);
    em.create(OneTimeToken, {
      id,
      user,
      purpose,
      expiresAt,
      passwordHash,
      newEmail: options.newEmail ?? null,
      sessionId: options.sessionId ?? null,
      codeHash,
      codeExpiresAt: codeExpiresAt < expiresAt ? codeExpiresAt : expiresAt,
    });
    await em.flush();
    return { token: this.jwt.signEmailToken(purpose, user.id, id, ttl), code };
  }

  /**
   * The claims of the live row of `userId` whose mailed code is `code` (as `consume` takes them), or
   * null. Writes nothing: the caller (useMailedCode) counts a miss with the failure's record.
   */
  async matchCode(
    em: EntityManager,
    userId: string,
    purpose: TokenPurpose,
    code: string,
  ): Promise<Pick<EmailTokenClaims, 'sub' | 'jti'> | null> {
    const id = await this.codes.check(em, OneTimeToken, { user: userId, purpose }, code);
    return id ? { sub: userId, jti: id } : null;
  }

  /** Kills every unused link of these purposes (a newer link was sent, or the password changed). */
  async retire(
    em: EntityManager,
    userId: string,
    purpose: TokenPurpose | readonly TokenPurpose[],
  ): Promise<void> {
    const purposes = typeof purpose === 'string' ? [purpose] : [...purpose];
    await em.nativeUpdate(
      OneTimeToken,
      { user: userId, purpose: { $in: purposes }, usedAt: null },
      { usedAt: new Date() },
    );
  }

  /** The email change a row carries (its new address and requesting session); null for none. */
  async emailChangeOf(
    em: EntityManager,
    claims: Pick<EmailTokenClaims, 'jti'>,
  ): Promise<{ newEmail: string; sessionId: string | null } | null> {
    const row = await em.findOne(OneTimeToken, { id: claims.jti });
    return row?.newEmail ? { newEmail: row.newEmail, sessionId: row.sessionId } : null;
  }

  /** Checks signature, purpose and expiry without using the token up. Throws INVALID_TOKEN, TOKEN_EXPIRED. */
  verify(token: string, purpose: TokenPurpose): EmailTokenClaims {
    // Each purpose is its own audience: a reset link never confirms an email change, nor the reverse.
    const result = this.jwt.verifyEmailToken(token, purpose);
    if (!result.ok) throw result.reason === 'expired' ? tokenExpired() : invalidToken();
    return result.claims;
  }

  /**
   * Marks the token used, atomically (UPDATE ... WHERE used_at IS NULL): of parallel uses, one wins.
   * Returns the user id. Throws INVALID_TOKEN, TOKEN_EXPIRED (also when the row's own expiry passed).
   * Call inside the transaction that acts on it.
   */
  async consume(
    em: EntityManager,
    token: string | Pick<EmailTokenClaims, 'sub' | 'jti'>,
    purpose: TokenPurpose,
  ): Promise<string> {
    const { sub, jti } = typeof token === 'string' ? this.verify(token, purpose) : token;
    const used = await em.nativeUpdate(
      OneTimeToken,
      { id: jti, user: sub, purpose, usedAt: null, expiresAt: { $gt: new Date() } },
      { usedAt: new Date() },
    );
    if (used !== 1) {
      // Refused: a read on this path only, to tell a row past its expiry from a spent or unknown one.
      const row = await em.findOne(OneTimeToken, { id: jti, user: sub, purpose });
      if (row && !row.usedAt && row.expiresAt.getTime() <= Date.now()) throw tokenExpired();
      throw invalidToken();
    }
    return sub;
  }

  /** The password hash a consumed link was bound to (see `issue`), or null. Same transaction as consume. */
  async boundPasswordHash(
    em: EntityManager,
    claims: Pick<EmailTokenClaims, 'jti'>,
  ): Promise<string | null> {
    const row = await em.findOne(OneTimeToken, { id: claims.jti }, { populate: ['passwordHash'] });
    return row?.passwordHash ?? null;
  }
}
