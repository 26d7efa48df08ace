import type { AccountLifecycle } from '../accounts/account-lifecycle';
import type { UnitOfWork } from '../database/unit-of-work';
import { AppError, ErrorCode } from '../errors';
import type { SessionService } from '../sessions/session.service';
import { Invitation, Membership } from './organization.entity';
import { lockOrganization } from './memberships';
import type { OrganizationService } from './organization.service';
import { OrgRole } from './org-role';

const MEMBER_ROLE = 'select role from memberships where organization_id = ? and user_id = ?';
const MEMBERSHIPS_OF = 'select organization_id, role from memberships where user_id = ?';

/**
 * What organizations add to the account lifecycle and to sessions: a deleted account takes its
 * memberships with it and the organizations it was the only member of, and is refused while it is the
 * last OWNER of one that has other members; a session's `org` claims come from the current membership.
 */
export function registerOrganizationLifecycle(
  lifecycle: AccountLifecycle,
  sessions: SessionService,
  organizations: OrganizationService,
): void {
  // Every refresh of a switched session asks: one indexed read of one column, no entity hydrated (it
  // made such a refresh 1.8x as slow as one without an organization), in the caller's transaction if
  // any (on SQLite another connection would wait for it).
  sessions.onOrgClaims(async (em, userId, orgId) => {
    const rows = (await em
      .getConnection()
      .execute(MEMBER_ROLE, [orgId, userId], 'all', em.getTransactionContext())) as Array<{
      role: OrgRole;
    }>;
    const role = rows[0]?.role;
    return role ? { org: orgId, role } : null;
  });

  lifecycle.onUserDeleted('organizations', async (uow, userId) => {
    // Every organization the user is in, whatever the role, locked before any role is read: a promotion
    // to OWNER followed by the other owner leaving must not slip between this check and the delete.
    const roles = await lockOrganizationsOf(uow, userId);
    for (const [orgId, role] of roles) {
      if (role !== OrgRole.OWNER) continue;
      const others = await uow.em.find(
        Membership,
        { organization: orgId, user: { $ne: userId } },
        { refresh: true },
      );
      if (others.some((m) => m.role === OrgRole.OWNER)) continue;
      if (others.length > 0)
        throw new AppError(
          ErrorCode.FORBIDDEN,
          'You are the last owner of an organization that has other members: make one of them OWNER, or delete the organization, first.',
        );
      await organizations.remove(uow, orgId, {
        userId,
        client: { ip: null, userAgent: null },
      });
    }
    await uow.em.nativeDelete(Membership, { user: userId });
    // Invitations they sent stay valid for the invited; only the link to the inviter goes.
    await uow.em.nativeUpdate(Invitation, { invitedBy: userId }, { invitedBy: null });
    return null;
  });
}

/**
 * Locks every organization `userId` is a member of, in id order (two deletions never wait on each other
 * in a cycle), and answers their roles as read under those locks. A membership that appears meanwhile
 * (an invitation accepted) has its organization locked in another round.
 */
async function lockOrganizationsOf(uow: UnitOfWork, userId: string): Promise<Map<string, OrgRole>> {
  const locked = new Set<string>();
  for (;;) {
    const rows = (await uow.em
      .getConnection()
      .execute(MEMBERSHIPS_OF, [userId], 'all', uow.em.getTransactionContext())) as Array<{
      organization_id: string;
      role: OrgRole;
    }>;
    const unlocked = rows
      .map((r) => r.organization_id)
      .filter((id) => !locked.has(id))
      .sort();
    if (unlocked.length === 0)
      return new Map(rows.map((r) => [r.organization_id, r.role] as const));
    for (const orgId of unlocked) {
      await lockOrganization(uow, orgId);
      locked.add(orgId);
    }
  }
}
