import type { EntityManager } from '@mikro-orm/core';
import { parseStoredMetadata } from '../profile/profile-rules';
import { Role } from './role';
import { isUuid } from '../ids';

/** What `me` shows of a user: nothing secret, so it may be kept in memory. */
export interface UserSnapshot {
  readonly id: string;
  readonly email: string;
  readonly role: Role;
  readonly isActive: boolean;
  readonly disabled: boolean;
  readonly createdAt: Date;
  /** TOTP is on: sign-in asks for a second factor. */
  readonly mfaEnabled: boolean;
  readonly name: string | null;
  readonly locale: string;
  /** The address was proven (by its mailbox or a provider that verified it). */
  readonly emailVerified: boolean;
  /** Frozen: one snapshot answers many requests. */
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly appMetadata: Readonly<Record<string, unknown>>;
}

interface UserRow {
  id: string;
  email: string;
  role: string;
  is_active: boolean | number;
  disabled: boolean | number;
  created_at: Date | string | number;
  totp_enabled_at: Date | string | number | null;
  name: string | null;
  locale: string;
  email_proof: string | null;
  metadata: unknown;
  app_metadata: unknown;
}

const COLUMNS = `u.id, u.email, u.role, u.is_active, u.disabled, u.created_at, u.totp_enabled_at,
  u.name, u.locale, u.email_proof, u.metadata, u.app_metadata`;
// Raw selects, not em.findOne/em.count: these run on every cold `me`, and the ORM's query building and
// hydration cost more than the indexed read itself. Plain SQL, the same on SQLite and PostgreSQL.
const USER_BY_ID = `select ${COLUMNS} from users u where u.id = ?`;
const USER_OF_LIVE_SESSION = `select ${COLUMNS} from sessions s join users u on u.id = s.user_id
  where s.id = ? and s.revoked_at is null and s.expires_at > ?`;

/** The user's public view, or null when there is no such user. */
export async function readUser(em: EntityManager, id: string): Promise<UserSnapshot | null> {
  if (!isUuid(id)) return null;
  return first(em, await em.getConnection().execute(USER_BY_ID, [id], 'all'));
}

/**
 * The owner of a session that is neither revoked nor expired, or null: one read that answers both the
 * live-session check and the user cache.
 */
export async function readLiveSessionUser(
  em: EntityManager,
  sessionId: string,
): Promise<UserSnapshot | null> {
  if (!isUuid(sessionId)) return null;
  // Dates are compared in the column's own encoding (epoch ms on SQLite, timestamptz on PostgreSQL).
  const now = em.getPlatform().processDateProperty(new Date()) as unknown;
  return first(em, await em.getConnection().execute(USER_OF_LIVE_SESSION, [sessionId, now], 'all'));
}

function first(em: EntityManager, rows: unknown): UserSnapshot | null {
  const row = (rows as UserRow[])[0];
  if (!row) return null;
  const role = row.role as Role;
  if (!Object.values(Role).includes(role)) throw new Error(`unknown role in users row ${row.id}`);
  return Object.freeze({
    id: row.id,
    email: row.email,
    role,
    isActive: row.is_active === true || row.is_active === 1,
    disabled: row.disabled === true || row.disabled === 1,
    createdAt: em.getPlatform().parseDate(row.created_at as string),
    mfaEnabled: row.totp_enabled_at !== null && row.totp_enabled_at !== undefined,
    name: row.name ?? null,
    locale: row.locale,
    emailVerified: row.email_proof !== null && row.email_proof !== undefined,
    metadata: deepFreeze(parseStoredMetadata(row.metadata)),
    appMetadata: deepFreeze(parseStoredMetadata(row.app_metadata)),
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
