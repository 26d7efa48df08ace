export enum Role {
  USER = 'USER',
  ADMIN = 'ADMIN',
}

const RANK: Record<Role, number> = { [Role.USER]: 0, [Role.ADMIN]: 1 };

export const roleSatisfies = (actual: Role, required: Role): boolean =>
  RANK[actual] >= RANK[required];
