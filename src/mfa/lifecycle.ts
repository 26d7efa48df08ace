import { counted, type AccountLifecycle } from '../accounts/account-lifecycle';
import type { UserWriter } from '../users/user-writer';
import { MfaTicket } from './mfa-ticket.entity';
import { RecoveryCode } from './recovery-code.entity';

/** What the second factor holds of an account: gone on a reclaim (someone else may have set it up). */
export function registerMfaLifecycle(lifecycle: AccountLifecycle, users: UserWriter): void {
  lifecycle.onReclaim('totp', async (uow, { id: userId }) => {
    // Pending enrolments too: a secret started by the earlier holder must not be confirmable later.
    const off = await users.set(
      uow,
      userId,
      { totpSecret: null, totpEnabledAt: null, totpLastStep: null },
      { $or: [{ totpSecret: { $ne: null } }, { totpEnabledAt: { $ne: null } }] },
    );
    return off > 0 ? 'two-step verification (authenticator app)' : null;
  });
  lifecycle.onReclaim('recovery-codes', async (uow, { id: userId }) =>
    counted(await uow.em.nativeDelete(RecoveryCode, { user: userId }), 'recovery code'),
  );
  lifecycle.onReclaim('mfa-tickets', async (uow, { id: userId }) => {
    await uow.em.nativeUpdate(MfaTicket, { user: userId, usedAt: null }, { usedAt: new Date() });
    return null;
  });
  for (const entity of [RecoveryCode, MfaTicket] as const)
    lifecycle.onUserDeleted(entity.name, async (uow, userId) => {
      await uow.em.nativeDelete(entity as typeof RecoveryCode, { user: userId });
      return null;
    });
}
