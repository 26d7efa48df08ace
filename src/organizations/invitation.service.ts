import type { EntityManager } from '@mikro-orm/core';
import { transaction } from '../database/unit-of-work';
import { badInput, invalidToken } from '../errors';
import { SecurityEventType, type SecurityEvents } from '../events/security-events';
import type { RateLimits } from '../limits/rate-limits';
import type { Links } from '../mail/links';
import type { Mailer } from '../mail/mailer';
import { normalizeEmail } from '../users/email';
import type { Webhooks } from '../webhooks/webhooks';
import { Invitation, Membership, Organization } from './organization.entity';
import { forbidden, isId, lockOrganization, requireRole, roleOf } from './memberships';
import type { OrgActor } from './organization.service';
import { webhookOrg } from './organization.service';
import { OrgRole } from './org-role';
import { pending } from './pending-invitations';

export interface InvitationServiceDeps {
  /** How long an invitation stays pending (INVITATION_TTL). */
  readonly ttlMs: number;
  readonly limits: RateLimits;
  readonly mailer: Mailer;
  readonly links: Links;
  readonly events: SecurityEvents;
  readonly webhooks: Webhooks;
}

/**
 * Invitations to organizations. Inviting answers the same whether the address has an account (nothing
 * here looks an account up by address, except "already a member", which the inviter can see anyway).
 * Only an account whose address is verified and equal to the invited one can accept or decline;
 * accepting is one conditional UPDATE, so an invitation is accepted once however many tabs click.
 */
export class InvitationService {
  constructor(private readonly deps: InvitationServiceDeps) {}

  /**
   * Invites `rawEmail` with `role` and mails it; OWNER/ADMIN (an ADMIN may not invite an OWNER). A
   * pending invitation of the address is renewed: the same id, a new expiry and the new role. Limited
   * per organization, per inviter and by the address's mail budget (RateLimits.invitation).
   * Throws FORBIDDEN, BAD_USER_INPUT (invalid address, already a member), TOO_MANY_REQUESTS.
   */
  async invite(
    em: EntityManager,
    actor: OrgActor,
    orgId: string,
    rawEmail: unknown,
    role: OrgRole,
  ): Promise<{ invitation: Invitation; inviterRole: OrgRole }> {
    const email = normalizeEmail(rawEmail);
    // The budgets are spent before the transaction (a limiter on the database store needs a connection
    // of its own, which on SQLite would wait for this transaction: a hang), and only by someone who may
    // invite, so nobody else can spend an organization's budget. The lock below checks again.
    const inviterRole = await requireRole(em, orgId, actor.userId, OrgRole.ADMIN);
    if (role === OrgRole.OWNER && inviterRole !== OrgRole.OWNER)
      throw forbidden('Only an owner can invite an owner.');
    await this.deps.limits.invitation(orgId, actor.userId, email);
    return transaction(em, async (uow) => {
      // Under the lock: two invitations of one address at once still leave one pending.
      if (!(await lockOrganization(uow, orgId))) throw forbidden();
      const actorRole = await requireRole(uow.em, orgId, actor.userId, OrgRole.ADMIN);
      if (role === OrgRole.OWNER && actorRole !== OrgRole.OWNER)
        throw forbidden('Only an owner can invite an owner.');
      const member = await uow.em.count(Membership, { organization: orgId, user: { email } });
      if (member > 0) throw badInput('This address is already a member of the organization.');
      const now = new Date();
      const expiresAt = new Date(now.getTime() + this.deps.ttlMs);
      const existing = await uow.em.findOne(
        Invitation,
        { organization: orgId, email, ...pending(now) },
        { refresh: true },
      );
      let id: string;
      if (existing) {
        id = existing.id;
        await uow.em.nativeUpdate(
          Invitation,
          { id },
          { role, expiresAt, invitedBy: actor.userId, createdAt: now },
        );
        uow.em.getUnitOfWork().unsetIdentity(existing);
      } else {
        const created = uow.em.create(Invitation, {
          organization: orgId,
          email,
          role,
          invitedBy: actor.userId,
          expiresAt,
        });
        await uow.em.flush();
        id = created.id;
      }
      const organization = await uow.em.findOneOrFail(Organization, { id: orgId });
      const inviter = (await addressOf(uow.em, actor.userId))?.email;
      await this.deps.mailer.queue(uow, 'org-invitation', email, {
        link: this.deps.links.invitation(id),
        ttl: this.deps.ttlMs,
        orgName: organization.name,
        inviter: inviter ?? 'A member',
      });
      await this.deps.events.record(uow, {
        type: SecurityEventType.INVITATION_CREATED,
        userId: actor.userId,
        ...actor.client,
        detail: { organizationId: orgId, invitationId: id, email, role },
      });
      await this.deps.webhooks.queue(uow, 'invitation.created', {
        id,
        organization: webhookOrg(organization),
        email,
        role,
        expiresAt: expiresAt.toISOString(),
        invitedBy: actor.userId,
      });
      const invitation = await uow.em.findOneOrFail(
        Invitation,
        { id },
        { populate: ['organization'], refresh: true },
      );
      return { invitation, inviterRole: actorRole };
    });
  }

  /** The organization's pending invitations, oldest first; OWNER/ADMIN. Throws FORBIDDEN. */
  async ofOrganization(
    em: EntityManager,
    userId: string,
    orgId: string,
  ): Promise<{ invitations: Invitation[]; role: OrgRole }> {
    const role = await requireRole(em, orgId, userId, OrgRole.ADMIN);
    const invitations = await em.find(
      Invitation,
      { organization: orgId, ...pending() },
      { populate: ['organization'], orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    return { invitations, role };
  }

  /** Pending invitations to the viewer's address, only once that address is verified. */
  async ofViewer(em: EntityManager, userId: string): Promise<Invitation[]> {
    const user = await verifiedAddress(em, userId);
    if (!user) return [];
    return em.find(
      Invitation,
      { email: user, ...pending() },
      { populate: ['organization'], orderBy: { createdAt: 'asc', id: 'asc' } },
    );
  }

  /** Withdraws a pending invitation; OWNER/ADMIN. Throws FORBIDDEN, INVALID_TOKEN (not pending). */
  async revoke(em: EntityManager, actor: OrgActor, id: string): Promise<void> {
    const invitation = isId(id) ? await em.findOne(Invitation, { id }) : null;
    if (!invitation) throw invalidToken('This invitation does not exist.');
    await requireRole(em, invitation.organization.id, actor.userId, OrgRole.ADMIN);
    const revoked = await em.nativeUpdate(
      Invitation,
      { id, ...pending() },
      { revokedAt: new Date() },
    );
    if (revoked !== 1) throw spent();
  }

  /**
   * Accepts an invitation: only by an account whose verified address is the invited one, once, before
   * it expires; the membership gets the invited role. Throws FORBIDDEN, INVALID_TOKEN.
   */
  async accept(
    em: EntityManager,
    actor: OrgActor,
    id: string,
  ): Promise<{ organization: Organization; role: OrgRole }> {
    const invitation = await this.addressedToViewer(em, actor.userId, id);
    const orgId = invitation.organization.id;
    return transaction(em, async (uow) => {
      if (!(await lockOrganization(uow, orgId))) throw spent();
      // The one decision: of parallel accepts, exactly one changes the row.
      const accepted = await uow.em.nativeUpdate(
        Invitation,
        { id, ...pending() },
        { acceptedAt: new Date() },
      );
      if (accepted !== 1) throw spent();
      // The role as accepted, read under the lock (a renewal may have changed it since the read
      // above); native, so no partial entity reaches the unit's identity map to be flushed.
      const [{ role }] = await uow.em
        .getConnection()
        .execute<Array<{ role: OrgRole }>>(
          'select role from invitations where id = ?',
          [id],
          'all',
          uow.em.getTransactionContext(),
        );
      const organization = await uow.em.findOneOrFail(Organization, { id: orgId });
      const already = await roleOf(uow.em, orgId, actor.userId);
      if (already) return { organization, role: already };
      uow.em.create(Membership, { organization, user: actor.userId, role });
      await uow.em.flush();
      const detail = { organizationId: orgId, invitationId: id, role };
      await this.deps.events.record(uow, {
        type: SecurityEventType.INVITATION_ACCEPTED,
        userId: actor.userId,
        ...actor.client,
        detail,
      });
      await this.deps.events.record(uow, {
        type: SecurityEventType.MEMBER_ADDED,
        userId: actor.userId,
        ...actor.client,
        detail,
      });
      const data = { organization: webhookOrg(organization), userId: actor.userId };
      await this.deps.webhooks.queue(uow, 'invitation.accepted', { id, ...data });
      await this.deps.webhooks.queue(uow, 'member.added', { ...data, role });
      return { organization, role };
    });
  }

  /** Declines an invitation (the invited, verified address only). Throws FORBIDDEN, INVALID_TOKEN. */
  async decline(em: EntityManager, userId: string, id: string): Promise<void> {
    await this.addressedToViewer(em, userId, id);
    const declined = await em.nativeUpdate(
      Invitation,
      { id, ...pending() },
      { declinedAt: new Date() },
    );
    if (declined !== 1) throw spent();
  }

  /** The invitation, when it names the viewer's verified address; else FORBIDDEN (INVALID_TOKEN: none). */
  private async addressedToViewer(
    em: EntityManager,
    userId: string,
    id: string,
  ): Promise<Invitation> {
    const invitation = isId(id) ? await em.findOne(Invitation, { id }, { refresh: true }) : null;
    if (!invitation) throw invalidToken('This invitation does not exist.');
    const address = await verifiedAddress(em, userId);
    if (address !== invitation.email)
      throw forbidden(
        'This invitation is for another address, or yours is not verified yet: sign in with the invited, verified address.',
      );
    return invitation;
  }
}

/**
 * The user's address and whether it is verified (users.email_proof set). Native: loading a partial User
 * into the unit's identity map would have its flush write defaults over the columns it did not load.
 */
async function addressOf(
  em: EntityManager,
  userId: string,
): Promise<{ email: string; verified: boolean } | null> {
  const row = await em
    .getConnection()
    .execute<{ email: string; email_proof: string | null } | undefined>(
      'select email, email_proof from users where id = ?',
      [userId],
      'get',
      em.getTransactionContext(),
    );
  return row ? { email: row.email, verified: row.email_proof !== null } : null;
}

/** The user's address when it is verified, else null. */
async function verifiedAddress(em: EntityManager, userId: string): Promise<string | null> {
  const address = await addressOf(em, userId);
  return address?.verified ? address.email : null;
}

const spent = () =>
  invalidToken('This invitation was already used, withdrawn, declined, or it has expired.');
