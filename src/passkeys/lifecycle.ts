import { counted, type AccountLifecycle } from '../accounts/account-lifecycle';
import { PasskeyChallenge } from './passkey-challenge.entity';
import { Passkey } from './passkey.entity';

/** Passkeys are a way in: a reclaim removes those an earlier holder of the address may have added. */
export function registerPasskeyLifecycle(lifecycle: AccountLifecycle): void {
  lifecycle.onReclaim('passkeys', async (uow, { id: userId }) => {
    await uow.em.nativeDelete(PasskeyChallenge, { user: userId });
    return counted(await uow.em.nativeDelete(Passkey, { user: userId }), 'passkey');
  });
  lifecycle.onWayIn('passkeys', (em, userId) => em.count(Passkey, { user: userId }));
}
