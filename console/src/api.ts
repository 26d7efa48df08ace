/** The operations the console sends: the same admin queries and mutations any client may use. */
import type { Document } from '../../client/src/index';

export type Role = 'ADMIN' | 'USER';

export interface UserRow {
  id: string;
  email: string;
  role: Role;
  isActive: boolean;
  disabled: boolean;
  createdAt: string;
}

export interface UserDetail extends UserRow {
  name: string | null;
  emailVerified: boolean;
  mfaEnabled: boolean;
  passkeyCount: number;
  sessions: {
    id: string;
    createdAt: string;
    lastUsedAt: string;
    ip: string | null;
    userAgent: string | null;
  }[];
  linkedAccounts: { provider: string; email: string | null; createdAt: string }[];
  organizations: {
    role: string;
    joinedAt: string;
    organization: { id: string; name: string; slug: string };
  }[];
}

export interface EventRow {
  id: string;
  at: string;
  type: string;
  method: string | null;
  factor: string | null;
  ip: string | null;
  userAgent: string | null;
  actorId: string | null;
}

const ROW = 'id email role isActive disabled createdAt';

export const SEARCH_USERS: Document<
  { searchUsers: { total: number; items: UserRow[] } },
  { query: string | null; limit: number; offset: number }
> = `query ConsoleSearchUsers($query: String, $limit: Int, $offset: Int) {
  searchUsers(query: $query, limit: $limit, offset: $offset) { total items { ${ROW} } }
}`;

export const USER_PAGE: Document<
  { user: UserDetail | null; userSecurityEvents: EventRow[] },
  { id: string }
> = `query ConsoleUser($id: ID!) {
  user(id: $id) {
    ${ROW} name emailVerified mfaEnabled passkeyCount
    sessions { id createdAt lastUsedAt ip userAgent }
    linkedAccounts { provider email createdAt }
    organizations { role joinedAt organization { id name slug } }
  }
  userSecurityEvents(userId: $id, limit: 50) { id at type method factor ip userAgent actorId }
}`;

type Change = Document<Record<string, unknown>, { id: string }>;

/** One document per console button: every action is the public admin mutation of the same name. */
export const ACTIONS = {
  disable: `mutation ConsoleDisable($id: ID!) { disableUser(id: $id) { id } }` as Change,
  enable: `mutation ConsoleEnable($id: ID!) { enableUser(id: $id) { id } }` as Change,
  makeAdmin:
    `mutation ConsoleMakeAdmin($id: ID!) { setUserRole(id: $id, role: ADMIN) { id } }` as Change,
  makeUser:
    `mutation ConsoleMakeUser($id: ID!) { setUserRole(id: $id, role: USER) { id } }` as Change,
  endSessions: `mutation ConsoleEndSessions($id: ID!) { revokeUserSessions(id: $id) }` as Change,
};
export type Action = keyof typeof ACTIONS;
