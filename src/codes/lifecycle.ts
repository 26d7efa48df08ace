import type { AccountLifecycle } from '../accounts/account-lifecycle';
import { SignInCode } from './sign-in-code.entity';

/** Mailed sign-in codes die with a reclaim (they were mailed to the owner, but end what came before). */
export function registerSignInCodeLifecycle(lifecycle: AccountLifecycle): void {
  lifecycle.onReclaim('sign-in-codes', async (uow, { id: userId }) => {
    await uow.em.nativeUpdate(SignInCode, { user: userId, usedAt: null }, { usedAt: new Date() });
    return null;
  });
  lifecycle.onUserDeleted('sign-in-codes', async (uow, userId) => {
    await uow.em.nativeDelete(SignInCode, { user: userId });
    return null;
  });
}
