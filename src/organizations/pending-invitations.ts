import type { UnitOfWork } from '../database/unit-of-work';
import { Invitation } from './organization.entity';

/** The conditions of a pending invitation: none of accepted, revoked, declined; not expired. */
export const pending = (now = new Date()) => ({
  acceptedAt: null,
  revokedAt: null,
  declinedAt: null,
  expiresAt: { $gt: now },
});

/**
 * Withdraws the organization's pending invitations sent (or last renewed) by `userId`: called, in the
 * same transaction, when they leave, are removed or drop below ADMIN, so an invitation they sent cannot
 * bring in someone of theirs (an alt account as ADMIN) after the organization stopped trusting them.
 */
export async function revokeInvitationsSentBy(
  uow: UnitOfWork,
  orgId: string,
  userId: string,
): Promise<void> {
  const now = new Date();
  await uow.em.nativeUpdate(
    Invitation,
    { organization: orgId, invitedBy: userId, ...pending(now) },
    { revokedAt: now },
  );
}
