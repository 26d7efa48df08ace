import { counted, type AccountLifecycle } from '../accounts/account-lifecycle';
import { LinkedAccount } from './linked-account.entity';
import { OAuthState } from './oauth-state.entity';

/**
 * Provider links that only claimed the address (the provider did not verify it) go on a reclaim: whoever
 * made or joined the account that way loses it once the mailbox's owner proves the address. So do the
 * account's unfinished flows (link tickets, one-time codes).
 */
export function registerOAuthLifecycle(lifecycle: AccountLifecycle): void {
  lifecycle.onReclaim('unverified-links', async (uow, userId) => {
    await uow.em.nativeDelete(OAuthState, { user: userId });
    return counted(
      await uow.em.nativeDelete(LinkedAccount, { user: userId, emailVerified: false }),
      'social sign-in link',
    );
  });
  lifecycle.onWayIn('provider-links', (em, userId) => em.count(LinkedAccount, { user: userId }));
}
