import { counted, type AccountLifecycle } from '../accounts/account-lifecycle';
import { LinkedAccount } from './linked-account.entity';
import { OAuthState } from './oauth-state.entity';

/**
 * Provider links that did not prove this address go on a reclaim (the provider did not verify it, or
 * verified another address): whoever made, joined or linked the account that way loses it once the
 * mailbox's owner proves the address. So do the account's unfinished flows (link tickets, codes).
 */
export function registerOAuthLifecycle(lifecycle: AccountLifecycle): void {
  lifecycle.onReclaim('unverified-links', async (uow, user) => {
    const userId = user.id;
    await uow.em.nativeDelete(OAuthState, { user: userId });
    // A link counts as the owner's only if its provider verified this very address: one linked by an
    // earlier holder to their own (verified) provider account is theirs, and goes too.
    return counted(
      await uow.em.nativeDelete(LinkedAccount, {
        user: userId,
        $or: [{ emailVerified: false }, { email: null }, { email: { $ne: user.email } }],
      }),
      'social sign-in link',
    );
  });
  lifecycle.onWayIn('provider-links', (em, userId) => em.count(LinkedAccount, { user: userId }));
}
