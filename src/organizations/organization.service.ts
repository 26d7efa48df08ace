import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import { transaction, type UnitOfWork } from '../database/unit-of-work';
import { badInput } from '../errors';
import { SecurityEventType, type SecurityEvents } from '../events/security-events';
import type { RateLimits } from '../limits/rate-limits';
import type { ClientInfo, IssuedTokens } from '../sessions/session.types';
import type { SessionService } from '../sessions/session.service';
import type { Webhooks } from '../webhooks/webhooks';
import { Invitation, Membership, Organization } from './organization.entity';
import {
  forbidden,
  isId,
  lastOwner,
  lockOrganization,
  membershipOf,
  ownerCount,
  requireRole,
  roleOf,
} from './memberships';
import { OrgRole } from './org-role';
import { revokeInvitationsSentBy } from './pending-invitations';
import { explicitSlug, organizationName, slugCandidate, slugFromName } from './slug';

/** Who acts: the signed-in user and where the request came from. */
export interface OrgActor {
  userId: string;
  client: ClientInfo;
}

/** An organization as one user sees it: with their role in it (null: not a member). */
export interface OrgWithRole {
  organization: Organization;
  role: OrgRole | null;
}

// Derived slugs tried before giving up; each try re-reads the taken ones, so only a race costs a retry.
const SLUG_ATTEMPTS = 5;

export interface OrganizationServiceDeps {
  readonly sessions: SessionService;
  readonly events: SecurityEvents;
  readonly webhooks: Webhooks;
  readonly limits: RateLimits;
}

/**
 * Organizations, their members and roles (API.md "Organizations"). Every check of a role and every
 * change of one happens under the organization's row lock, so "at least one OWNER" holds however many
 * requests run at once. Changes record their security event and webhook in the same unit of work.
 */
export class OrganizationService {
  constructor(private readonly deps: OrganizationServiceDeps) {}

  /** The viewer's organizations, oldest membership first. */
  async list(em: EntityManager, userId: string): Promise<OrgWithRole[]> {
    const memberships = await em.find(
      Membership,
      { user: userId },
      { populate: ['organization'], orderBy: { joinedAt: 'asc', id: 'asc' } },
    );
    return memberships.map((m) => ({ organization: m.organization, role: m.role }));
  }

  /** One organization, or null unless the viewer is a member (or `siteAdmin`). */
  async get(
    em: EntityManager,
    userId: string,
    orgId: string,
    siteAdmin: boolean,
  ): Promise<OrgWithRole | null> {
    if (!isId(orgId)) return null;
    const membership = await membershipOf(em, orgId, userId);
    if (membership) return { organization: membership.organization, role: membership.role };
    if (!siteAdmin) return null;
    const organization = await em.findOne(Organization, { id: orgId });
    return organization ? { organization, role: null } : null;
  }

  /** The members, by join date; members only. Throws FORBIDDEN. */
  async members(em: EntityManager, userId: string, orgId: string): Promise<Membership[]> {
    await requireRole(em, orgId, userId, OrgRole.MEMBER);
    return em.find(
      Membership,
      { organization: orgId },
      { populate: ['user'], orderBy: { joinedAt: 'asc', id: 'asc' } },
    );
  }

  /**
   * Makes an organization with the actor as its OWNER. A slug given and taken, or invalid, is
   * BAD_USER_INPUT; a slug made from the name gets a "-<n>" suffix until it is free. Limited per user
   * (RATE_LIMIT_ORGS_PER_USER a day): each organization is another budget of invitation mails.
   * Throws BAD_USER_INPUT, TOO_MANY_REQUESTS.
   */
  async create(
    em: EntityManager,
    actor: OrgActor,
    rawName: unknown,
    rawSlug: unknown,
  ): Promise<OrgWithRole> {
    const name = organizationName(rawName);
    const given = rawSlug === null || rawSlug === undefined ? null : explicitSlug(rawSlug);
    const base = given ?? slugFromName(name);
    await this.deps.limits.organizationCreated(actor.userId);
    for (let attempt = 1; ; attempt++) {
      const slug = given ?? (await this.freeSlug(em, base));
      try {
        return await transaction(em, async (uow) => {
          const organization = uow.em.create(Organization, { name, slug });
          uow.em.create(Membership, {
            organization,
            user: actor.userId,
            role: OrgRole.OWNER,
          });
          await uow.em.flush();
          await this.record(uow, SecurityEventType.ORGANIZATION_CREATED, actor, organization);
          await this.deps.webhooks.queue(uow, 'organization.created', {
            organization: webhookOrg(organization),
            ownerId: actor.userId,
          });
          return { organization, role: OrgRole.OWNER };
        });
      } catch (err) {
        if (!(err instanceof UniqueConstraintViolationException)) throw err;
        if (given || attempt >= SLUG_ATTEMPTS) throw slugTaken();
      }
    }
  }

  /** Renames or re-slugs; OWNER/ADMIN. Throws FORBIDDEN, BAD_USER_INPUT (invalid or taken slug). */
  async update(
    em: EntityManager,
    actor: OrgActor,
    orgId: string,
    rawName: unknown,
    rawSlug: unknown,
  ): Promise<OrgWithRole> {
    const name = rawName === null || rawName === undefined ? null : organizationName(rawName);
    const slug = rawSlug === null || rawSlug === undefined ? null : explicitSlug(rawSlug);
    try {
      return await transaction(em, async (uow) => {
        if (!(await lockOrganization(uow, orgId))) throw forbidden();
        const role = await requireRole(uow.em, orgId, actor.userId, OrgRole.ADMIN);
        const changes = { ...(name ? { name } : {}), ...(slug ? { slug } : {}) };
        if (Object.keys(changes).length > 0)
          await uow.em.nativeUpdate(Organization, { id: orgId }, changes);
        const organization = await uow.em.findOneOrFail(
          Organization,
          { id: orgId },
          { refresh: true },
        );
        return { organization, role };
      });
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw slugTaken();
      throw err;
    }
  }

  /** Deletes the organization with its memberships and invitations, nothing else; OWNER. Throws FORBIDDEN. */
  async delete(em: EntityManager, actor: OrgActor, orgId: string): Promise<void> {
    await transaction(em, async (uow) => {
      if (!(await lockOrganization(uow, orgId))) throw forbidden();
      await requireRole(uow.em, orgId, actor.userId, OrgRole.OWNER);
      await this.remove(uow, orgId, actor);
    });
  }

  /**
   * Removes a locked organization and what belongs to it (memberships, invitations), with its event and
   * webhook: deleteOrganization, and the deletion of its only member's account.
   */
  async remove(uow: UnitOfWork, orgId: string, actor: OrgActor): Promise<void> {
    const organization = await uow.em.findOneOrFail(Organization, { id: orgId }, { refresh: true });
    const snapshot = webhookOrg(organization);
    await uow.em.nativeDelete(Invitation, { organization: orgId });
    await uow.em.nativeDelete(Membership, { organization: orgId });
    await uow.em.nativeDelete(Organization, { id: orgId });
    // Not flushed again: the entity is gone.
    uow.em.getUnitOfWork().unsetIdentity(organization);
    await this.record(uow, SecurityEventType.ORGANIZATION_DELETED, actor, snapshot);
    await this.deps.webhooks.queue(uow, 'organization.deleted', { organization: snapshot });
  }

  /**
   * Changes a member's role; OWNER/ADMIN. An ADMIN never makes, demotes or removes an OWNER, and the last
   * OWNER is never demoted. Throws FORBIDDEN, BAD_USER_INPUT (not a member).
   */
  async setRole(
    em: EntityManager,
    actor: OrgActor,
    orgId: string,
    userId: string,
    role: OrgRole,
  ): Promise<Membership> {
    return transaction(em, async (uow) => {
      // The lock first: every read below sees what concurrent changes committed before it.
      if (!(await lockOrganization(uow, orgId))) throw forbidden();
      const actorRole = await requireRole(uow.em, orgId, actor.userId, OrgRole.ADMIN);
      const target = await membershipOf(uow.em, orgId, userId);
      if (!target) throw badInput('This user is not a member of the organization.');
      if (actorRole !== OrgRole.OWNER && (target.role === OrgRole.OWNER || role === OrgRole.OWNER))
        throw forbidden('Only an owner can make, demote or remove an owner.');
      if (target.role === role) return target;
      if (target.role === OrgRole.OWNER && (await ownerCount(uow.em, orgId)) <= 1)
        throw lastOwner();
      await uow.em.nativeUpdate(Membership, { id: target.id }, { role });
      if (role === OrgRole.MEMBER) await revokeInvitationsSentBy(uow, orgId, userId);
      const from = target.role;
      target.role = role;
      // Written natively above: the identity map must not flush it again.
      uow.em.getUnitOfWork().unsetIdentity(target);
      await this.record(uow, SecurityEventType.MEMBER_ROLE_CHANGED, actor, target.organization, {
        memberId: userId,
        from,
        to: role,
      });
      await this.deps.webhooks.queue(uow, 'member.role_changed', {
        organization: webhookOrg(target.organization),
        userId,
        from,
        to: role,
      });
      return target;
    });
  }

  /** Removes a member; OWNER/ADMIN (an ADMIN never an OWNER; never the last OWNER). Throws FORBIDDEN, BAD_USER_INPUT. */
  async removeMember(
    em: EntityManager,
    actor: OrgActor,
    orgId: string,
    userId: string,
  ): Promise<void> {
    await transaction(em, async (uow) => {
      if (!(await lockOrganization(uow, orgId))) throw forbidden();
      const actorRole = await requireRole(uow.em, orgId, actor.userId, OrgRole.ADMIN);
      const target = await membershipOf(uow.em, orgId, userId);
      if (!target) throw badInput('This user is not a member of the organization.');
      if (actorRole !== OrgRole.OWNER && target.role === OrgRole.OWNER)
        throw forbidden('Only an owner can make, demote or remove an owner.');
      await this.dropMember(uow, actor, target);
    });
  }

  /** The viewer leaves the organization; the last OWNER may not. Throws FORBIDDEN. */
  async leave(em: EntityManager, actor: OrgActor, orgId: string): Promise<void> {
    await transaction(em, async (uow) => {
      if (!(await lockOrganization(uow, orgId))) throw forbidden();
      const membership = await membershipOf(uow.em, orgId, actor.userId);
      if (!membership) throw forbidden('You are not a member of this organization.');
      await this.dropMember(uow, actor, membership);
    });
  }

  /**
   * switchOrganization: new tokens for the viewer's session carrying `orgId` (null: none); members
   * only; RATE_LIMIT_ORG_SWITCHES_PER_SESSION per session. Throws FORBIDDEN, UNAUTHENTICATED (the
   * session ended), TOO_MANY_REQUESTS.
   */
  async switchTo(
    em: EntityManager,
    userId: string,
    sessionId: string,
    orgId: string | null,
  ): Promise<IssuedTokens> {
    await this.deps.limits.organizationSwitch(sessionId);
    return transaction(em, async (uow) => {
      if (orgId !== null && !(await roleOf(uow.em, orgId, userId)))
        throw forbidden('You are not a member of this organization.');
      return this.deps.sessions.switchOrganization(uow, userId, sessionId, orgId);
    });
  }

  /** The user's organizations with their role in each (the admin's view of a user). */
  async ofUser(em: EntityManager, userId: string): Promise<Membership[]> {
    if (!isId(userId)) return [];
    return em.find(
      Membership,
      { user: userId },
      { populate: ['organization'], orderBy: { joinedAt: 'asc', id: 'asc' } },
    );
  }

  /**
   * Deletes a membership (the organization locked), keeping at least one OWNER, and withdraws the
   * invitations the member sent. Throws FORBIDDEN.
   */
  private async dropMember(uow: UnitOfWork, actor: OrgActor, target: Membership): Promise<void> {
    const orgId = target.organization.id;
    if (target.role === OrgRole.OWNER && (await ownerCount(uow.em, orgId)) <= 1) throw lastOwner();
    await uow.em.nativeDelete(Membership, { id: target.id });
    uow.em.getUnitOfWork().unsetIdentity(target);
    const userId = target.user.id;
    await revokeInvitationsSentBy(uow, orgId, userId);
    await this.record(uow, SecurityEventType.MEMBER_REMOVED, actor, target.organization, {
      memberId: userId,
      role: target.role,
    });
    await this.deps.webhooks.queue(uow, 'member.removed', {
      organization: webhookOrg(target.organization),
      userId,
      role: target.role,
    });
  }

  /** The first free derived slug: `base`, else `base-<n>` with the lowest n not taken. */
  private async freeSlug(em: EntityManager, base: string): Promise<string> {
    // Native: only the slugs, and no partial entities left in the unit's identity map to be flushed.
    const rows = await em
      .getConnection()
      .execute<Array<{ slug: string }>>(
        'select slug from organizations where slug = ? or slug like ?',
        [base, `${base}-%`],
        'all',
      );
    const taken = new Set(rows.map((r: { slug: string }) => r.slug));
    for (let n = 1; ; n++) {
      const candidate = slugCandidate(base, n);
      if (!taken.has(candidate)) return candidate;
    }
  }

  private record(
    uow: UnitOfWork,
    type: SecurityEventType,
    actor: OrgActor,
    organization: Pick<Organization, 'id'> | Record<string, unknown>,
    detail: Record<string, unknown> = {},
  ): Promise<void> {
    return this.deps.events.record(uow, {
      type,
      userId: actor.userId,
      ...actor.client,
      detail: { organizationId: organization.id, ...detail },
    });
  }
}

/** What webhooks and events say about an organization. */
export function webhookOrg(org: Organization): Record<string, unknown> {
  return { id: org.id, name: org.name, slug: org.slug, createdAt: org.createdAt.toISOString() };
}

const slugTaken = () => badInput('This slug is taken or invalid: choose another.');
