import type { Housekeeping } from '../housekeeping/housekeeping';
import { Invitation } from './organization.entity';

/**
 * Invitations past their expiry, whatever became of them: refused the same whether their row exists or
 * not, and what happened to them is in the security log.
 */
export function addInvitationCleanups(housekeeping: Housekeeping): void {
  housekeeping.add('invitations', (em, now) =>
    em.nativeDelete(Invitation, { expiresAt: { $lt: now } }),
  );
}
