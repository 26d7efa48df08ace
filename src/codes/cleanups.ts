import type { Housekeeping } from '../housekeeping/housekeeping';
import { SignInCode } from './sign-in-code.entity';

/** Spent and expired sign-in codes: refused the same whether their row exists or not. */
export function addSignInCodeCleanups(housekeeping: Housekeeping): void {
  housekeeping.add('sign-in-codes', (em, now) =>
    em.nativeDelete(SignInCode, {
      $or: [{ usedAt: { $ne: null } }, { codeExpiresAt: { $lt: now } }],
    }),
  );
}
