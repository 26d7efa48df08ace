import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { raw, type EntityManager } from '@mikro-orm/core';
import { KeyLabel, type ServerSecrets } from '../tokens/secrets';
import type { OneTimeToken } from '../tokens/one-time-token.entity';
import type { SignInCode } from './sign-in-code.entity';

/** A mailed code lives this long (a link may live longer) and dies after this many wrong tries. */
export const CODE_TTL_MS = 10 * 60_000;
export const CODE_MAX_ATTEMPTS = 5;
const CODE = /^\d{6}$/;

/** The rows that carry a mailed code: an emailed link's row, or a passwordless sign-in code. */
type CodeRow = typeof OneTimeToken | typeof SignInCode;

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
   * The id of the live row of `userId` whose code is `code`, or null. A miss counts one wrong try on
   * every live row (committed at once, whatever the caller does next), so 5 misses kill each code.
   * The caller spends the returned row in its own transaction, with the conditional update links use.
   */
  async match(
    em: EntityManager,
    entity: CodeRow,
    where: { user: string; purpose?: string },
    code: string,
  ): Promise<string | null> {
    const now = new Date();
    const live = {
      ...where,
      usedAt: null,
      codeHash: { $ne: null },
      codeExpiresAt: { $gt: now },
      codeAttempts: { $lt: CODE_MAX_ATTEMPTS },
    };
    const rows = (await em.find(entity as typeof SignInCode, live as never, {
      fields: ['id', 'codeHash'],
    })) as Array<{ id: string; codeHash: string | null }>;
    const hit = rows.find((row) => row.codeHash && this.matches(row.id, code, row.codeHash));
    if (hit) return hit.id;
    if (rows.length > 0) {
      await em.nativeUpdate(
        entity as typeof SignInCode,
        { id: { $in: rows.map((r) => r.id) } },
        { codeAttempts: raw('code_attempts + 1') },
      );
    }
    return null;
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
