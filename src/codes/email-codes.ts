import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { raw, type EntityManager } from '@mikro-orm/core';
import { KeyLabel, type ServerSecrets } from '../tokens/secrets';
import type { OneTimeToken } from '../tokens/one-time-token.entity';
import { NO_ACCOUNT } from '../users/no-account';
import type { SignInCode } from './sign-in-code.entity';

/** A mailed code lives this long (a link may live longer) and dies after this many wrong tries. */
export const CODE_TTL_MS = 10 * 60_000;
export const CODE_MAX_ATTEMPTS = 5;
const CODE = /^\d{6}$/;

/** The rows that carry a mailed code: an emailed link's row, or a passwordless sign-in code. */
type CodeRow = typeof OneTimeToken | typeof SignInCode;

/** A code that can still be used: not spent, not expired, fewer than 5 misses. */
const liveCode = (now: Date) => ({
  usedAt: null,
  codeHash: { $ne: null },
  codeExpiresAt: { $gt: now },
  codeAttempts: { $lt: CODE_MAX_ATTEMPTS },
});

// What a miss without any live row is compared with: as long as a stored hash, matching nothing.
const NO_ROW_HASH = '0'.repeat(64);

/**
 * 6-digit codes mailed instead of (or beside) links. Stored as an HMAC bound to the row: with only a
 * million codes, a plain hash in a database dump would give every live code away.
 */
export class EmailCodes {
  constructor(private readonly secrets: ServerSecrets) {}

  /** A fresh code and the hash to store on row `rowId`. */
  create(rowId: string): { code: string; codeHash: string; codeExpiresAt: Date } {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    return {
      code,
      codeHash: this.digest(this.secrets.key(KeyLabel.EMAIL_CODE), rowId, code).toString('hex'),
      codeExpiresAt: new Date(Date.now() + CODE_TTL_MS),
    };
  }

  /** The code as typed (spaces allowed), or null when it cannot be a code at all. */
  static normalize(code: unknown): string | null {
    if (typeof code !== 'string' || code.length > 20) return null;
    const digits = code.replace(/\s+/g, '');
    return CODE.test(digits) ? digits : null;
  }

  /**
   * Checks `code` against the live rows of `where.user` (NO_ACCOUNT for an unknown address: the same
   * query), writing nothing: the hit's id, or null (the caller counts the miss: `countMiss`). With no
   * live row it still runs an HMAC, so a known and an unknown address take the same time.
   */
  async check(
    em: EntityManager,
    entity: CodeRow,
    where: { user: string; purpose?: string },
    code: string,
  ): Promise<string | null> {
    const live = { ...where, ...liveCode(new Date()) };
    const rows = (await em.find(entity as typeof SignInCode, live as never, {
      fields: ['id', 'codeHash'],
    })) as Array<{ id: string; codeHash: string | null }>;
    if (rows.length === 0) {
      this.matches(NO_ACCOUNT, code, NO_ROW_HASH);
      return null;
    }
    return rows.find((row) => row.codeHash && this.matches(row.id, code, row.codeHash))?.id ?? null;
  }

  /**
   * Counts a wrong try on every live code of `where.user` (NO_ACCOUNT: none), so 5 misses kill each
   * code. One UPDATE of the same shape whoever the user is; in the caller's transaction, with the
   * failure's event, so a miss for a known and for an unknown address makes the same write.
   */
  static async countMiss(
    em: EntityManager,
    entity: CodeRow,
    where: { user: string; purpose?: string },
  ): Promise<void> {
    await em.nativeUpdate(
      entity as typeof SignInCode,
      { ...where, ...liveCode(new Date()) } as never,
      { codeAttempts: raw('code_attempts + 1') },
    );
  }

  private matches(rowId: string, code: string, stored: string): boolean {
    const expected = Buffer.from(stored, 'hex');
    // Every key, not only the current one: a rotation must not void the codes mailed just before it.
    return this.secrets.keys(KeyLabel.EMAIL_CODE).some((key) => {
      const actual = this.digest(key, rowId, code);
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    });
  }

  private digest(key: Buffer, rowId: string, code: string): Buffer {
    return createHmac('sha256', key).update(`${rowId}:${code}`).digest();
  }
}
