/** A member's role in one organization (API.md "Organizations"): OWNER ≥ ADMIN ≥ MEMBER. A leaf module. */
export enum OrgRole {
  OWNER = 'OWNER',
  ADMIN = 'ADMIN',
  MEMBER = 'MEMBER',
}

const RANK: Record<OrgRole, number> = {
  [OrgRole.MEMBER]: 0,
  [OrgRole.ADMIN]: 1,
  [OrgRole.OWNER]: 2,
};

export const isOrgRole = (value: unknown): value is OrgRole =>
  typeof value === 'string' && Object.hasOwn(RANK, value);

/** Whether `actual` (null: no organization in the token) is at least `required`. */
export const orgRoleSatisfies = (actual: OrgRole | null | undefined, required: OrgRole): boolean =>
  actual != null && RANK[actual] >= RANK[required];
