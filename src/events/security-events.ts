import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { RowInsert } from '../database/insert-together';
import type { UnitOfWork } from '../database/unit-of-work';
import { badInput } from '../errors';
import { SecurityEvent } from './security-event.entity';
import { isUuid } from '../ids';

/** The event types of API.md "Security events"; features add theirs here and record them in one line. */
export const SecurityEventType = {
  SIGNED_UP: 'signed_up',
  ACTIVATED: 'activated',
  SIGNED_IN: 'signed_in',
  SIGN_IN_FAILED: 'sign_in_failed',
  LOCKED_OUT: 'locked_out',
  MFA_ENABLED: 'mfa_enabled',
  MFA_DISABLED: 'mfa_disabled',
  RECOVERY_CODE_USED: 'recovery_code_used',
  PASSWORD_CHANGED: 'password_changed',
  PASSWORD_RESET: 'password_reset',
  SESSION_REVOKED: 'session_revoked',
  REFRESH_TOKEN_REUSED: 'refresh_token_reused',
  PASSKEY_ADDED: 'passkey_added',
  PASSKEY_REMOVED: 'passkey_removed',
  ACCOUNT_LINKED: 'account_linked',
  ACCOUNT_UNLINKED: 'account_unlinked',
  ROLE_CHANGED: 'role_changed',
  DISABLED: 'disabled',
  ENABLED: 'enabled',
  DELETED: 'deleted',
  /** The mailbox's owner proved the address and what an earlier, unproven holder added was removed. */
  ACCOUNT_RECLAIMED: 'account_reclaimed',
  // Organizations: recorded for the user who acted (the joiner for member_added), with the organization in `detail`.
  ORGANIZATION_CREATED: 'organization_created',
  ORGANIZATION_DELETED: 'organization_deleted',
  MEMBER_ADDED: 'member_added',
  MEMBER_REMOVED: 'member_removed',
  MEMBER_ROLE_CHANGED: 'member_role_changed',
  INVITATION_CREATED: 'invitation_created',
  INVITATION_ACCEPTED: 'invitation_accepted',
  /** An administrator replaced the account's appMetadata (what its tokens carry as `app`). */
  APP_METADATA_CHANGED: 'app_metadata_changed',
  /** The signed-in user proved a factor again (reauthenticate): the session's auth_time is now. */
  REAUTHENTICATED: 'reauthenticated',
  /** The account's address changed, confirmed from the new mailbox (and the old one when required). */
  EMAIL_CHANGED: 'email_changed',
} as const;
export type SecurityEventType = (typeof SecurityEventType)[keyof typeof SecurityEventType];

export interface SecurityEventInput {
  type: SecurityEventType;
  userId: string;
  ip: string | null;
  userAgent: string | null;
  /** The administrator who acted on someone else's account. */
  actorId?: string | null;
  method?: string | null;
  detail?: Record<string, unknown> | null;
}

export const MAX_EVENT_PAGE = 100;

/** The security event log: written inside the unit of work of the change, read newest first. */
export class SecurityEvents {
  /** Adds the event to the caller's transaction: it exists exactly when the change was committed. */
  async record(uow: UnitOfWork, input: SecurityEventInput): Promise<void> {
    // One native INSERT of a plain row, not a flush: a flush would compute change sets for every entity
    // the unit has loaded (the signing-in user among them), on the sign-in's hot path; no entity is built.
    await uow.em.insert(SecurityEvent, columns(input));
  }

  /** The event as a row for `insertTogether`, for a change written in one statement with it. */
  row(input: SecurityEventInput): RowInsert {
    return { entity: SecurityEvent, row: columns(input) };
  }

  /**
   * The user's events, newest first; `before` is the id of the last event of the previous page
   * (keyset: stable while new events arrive). Throws BAD_USER_INPUT for a bad limit or cursor.
   */
  async list(
    em: EntityManager,
    userId: string,
    limit: number,
    before: string | null | undefined,
  ): Promise<SecurityEvent[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENT_PAGE) {
      throw badInput(`limit must be between 1 and ${MAX_EVENT_PAGE}.`);
    }
    if (!isUuid(userId)) return [];
    let cursor = {};
    if (before !== null && before !== undefined) {
      // The cursor must be one of this user's events: another account's id reveals nothing.
      const from = isUuid(before) ? await em.findOne(SecurityEvent, { id: before, userId }) : null;
      if (!from) throw badInput('before must be the id of one of these events.');
      cursor = { $or: [{ at: { $lt: from.at } }, { at: from.at, id: { $lt: from.id } }] };
    }
    return em.find(
      SecurityEvent,
      { userId, ...cursor },
      { orderBy: { at: 'desc', id: 'desc' }, limit },
    );
  }

  /** Housekeeping (SECURITY_EVENT_TTL): deletes events older than `ttlMs`; returns how many. */
  deleteOlderThan(em: EntityManager, ttlMs: number, now = new Date()): Promise<number> {
    return em.nativeDelete(SecurityEvent, { at: { $lt: new Date(now.getTime() - ttlMs) } });
  }
}

function columns(input: SecurityEventInput) {
  return {
    id: randomUUID(),
    userId: input.userId,
    type: input.type,
    at: new Date(),
    // Cut to the columns' sizes: a client's 2 kB user agent must not fail the change it accompanies.
    ip: input.ip?.slice(0, 64) ?? null,
    userAgent: input.userAgent?.slice(0, 512) ?? null,
    actorId: input.actorId ?? null,
    method: input.method ?? null,
    detail: input.detail ? JSON.stringify(input.detail) : null,
  };
}
