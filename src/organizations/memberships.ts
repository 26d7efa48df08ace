import type { EntityManager } from '@mikro-orm/core';
import { isPostgres } from '../database/dialect';
import type { UnitOfWork } from '../database/unit-of-work';
import { AppError, ErrorCode } from '../errors';
import { Membership, Organization } from './organization.entity';
import { OrgRole, orgRoleSatisfies } from './org-role';
import { isUuid } from '../ids';

/** Whether `value` can be an id at all (PostgreSQL refuses a malformed uuid with an error, not a miss). */
export const isId = (value: unknown): value is string => typeof value === 'string' && isUuid(value);

export const forbidden = (
  message = 'You do not have permission to do this in this organization.',
) => new AppError(ErrorCode.FORBIDDEN, message);

/**
 * Locks the organization's row until the transaction ends, so the checks after it (the last owner, the
 * one pending invitation per address) cannot interleave with another transaction's. PostgreSQL: SELECT …
 * FOR UPDATE; SQLite: transactions begin IMMEDIATE, so they are serialised already, and a no-op write
 * keeps the statement meaningful there too. Answers whether the organization exists.
 */
export async function lockOrganization(uow: UnitOfWork, orgId: string): Promise<boolean> {
  if (!isId(orgId)) return false;
  if (isPostgres(uow.em)) {
    const rows: unknown[] = await uow.em
      .getConnection()
      .execute(
        'select 1 from "organizations" where "id" = ? for update',
        [orgId],
        'all',
        uow.em.getTransactionContext(),
      );
    return rows.length > 0;
  }
  return (await uow.em.nativeUpdate(Organization, { id: orgId }, { id: orgId })) === 1;
}

/** The user's membership of the organization, read from the database (never the identity map). */
export function membershipOf(
  em: EntityManager,
  orgId: string,
  userId: string,
): Promise<Membership | null> {
  if (!isId(orgId) || !isId(userId)) return Promise.resolve(null);
  return em.findOne(
    Membership,
    { organization: orgId, user: userId },
    { populate: ['user', 'organization'], refresh: true },
  );
}

/** The user's role in the organization, or null when not a member. */
export async function roleOf(
  em: EntityManager,
  orgId: string,
  userId: string,
): Promise<OrgRole | null> {
  return (await membershipOf(em, orgId, userId))?.role ?? null;
}

/** The actor's role when it is at least `min`; else FORBIDDEN (a non-member included). */
export async function requireRole(
  em: EntityManager,
  orgId: string,
  userId: string,
  min: OrgRole,
): Promise<OrgRole> {
  const role = await roleOf(em, orgId, userId);
  if (!orgRoleSatisfies(role, min)) throw forbidden();
  return role!;
}

/** How many OWNERs the organization has (call under its lock). */
export function ownerCount(em: EntityManager, orgId: string): Promise<number> {
  return em.count(Membership, { organization: orgId, role: OrgRole.OWNER });
}

/** The refusal that keeps every organization owned. */
export const lastOwner = () =>
  forbidden(
    'An organization keeps at least one owner: make another member OWNER first (or delete the organization).',
  );
