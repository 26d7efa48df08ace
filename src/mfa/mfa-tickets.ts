import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { invalidToken, tokenExpired } from '../errors';
import { randomSecret, sha256 } from '../tokens/random';
import { MfaTicket } from './mfa-ticket.entity';

export const TICKET_TTL_MS = 5 * 60_000;
export const TICKET_MAX_ATTEMPTS = 5;

/** A ticket with one of its tries taken for the code being checked. */
export interface ReservedTry {
  id: string;
  userId: string;
  /** The first factor's SignInMethod. */
  method: string;
  /** The session a reauthentication renews, or null for a sign-in. */
  sessionId: string | null;
  tryNumber: number;
}

export const invalidTicket = () =>
  invalidToken('This sign-in ticket is invalid or was used up: sign in again.');

/**
 * The `mfaTicket` of MFA_REQUIRED: 256 random bits handed to the client, only their SHA-256 stored, so
 * any process of a deployment finishes it. Lives 5 minutes; dies after 5 wrong codes or one success.
 */
export class MfaTickets {
  /**
   * Stores a ticket for a proven first factor and returns it (written at once, outside any transaction).
   * `sessionId`: a reauthentication of that session, which the ticket's completion renews.
   */
  async create(
    em: EntityManager,
    userId: string,
    method: string,
    sessionId: string | null = null,
  ): Promise<string> {
    const ticket = randomSecret();
    const now = new Date();
    await em.insert(MfaTicket, {
      id: randomUUID(),
      ticketHash: sha256(ticket),
      user: userId,
      method,
      sessionId,
      attempts: 0,
      createdAt: now,
      expiresAt: new Date(now.getTime() + TICKET_TTL_MS),
      usedAt: null,
    });
    return ticket;
  }

  /**
   * Finds the live ticket and reserves one try on it before its code is checked, in one statement
   * (committed at once): of any number of codes sent at once, at most TICKET_MAX_ATTEMPTS are ever
   * checked. `tryNumber` is 1 for the first. Throws INVALID_TOKEN (unknown, used, tries used up),
   * TOKEN_EXPIRED.
   */
  async reserveTry(em: EntityManager, ticket: unknown): Promise<ReservedTry> {
    if (typeof ticket !== 'string' || ticket.length === 0 || ticket.length > 128)
      throw invalidTicket();
    const ticketHash = sha256(ticket);
    const now = new Date();
    const rows: Array<{
      id: string;
      user_id: string;
      method: string;
      session_id: string | null;
      attempts: number | string;
    }> = await em.getConnection().execute(
      `update mfa_tickets set attempts = attempts + 1
           where ticket_hash = ? and attempts < ? and used_at is null and expires_at > ?
           returning id, user_id, method, session_id, attempts`,
      [ticketHash, TICKET_MAX_ATTEMPTS, em.getPlatform().processDateProperty(now) as unknown],
    );
    const row = rows[0];
    if (row) {
      return {
        id: row.id,
        userId: row.user_id,
        method: row.method,
        sessionId: row.session_id ?? null,
        tryNumber: Number(row.attempts),
      };
    }
    // Refused: a read on this path only, to tell an expired ticket from a dead or unknown one.
    const found = await em.findOne(MfaTicket, { ticketHash });
    if (found && !found.usedAt && found.attempts < TICKET_MAX_ATTEMPTS)
      throw tokenExpired('This sign-in ticket has expired: sign in again.');
    throw invalidTicket();
  }

  /**
   * Uses the ticket up, atomically: of parallel completions, one wins. Its try is already reserved
   * (`reserveTry`), so the fifth may spend it. Throws INVALID_TOKEN.
   */
  async spend(em: EntityManager, ticketId: string): Promise<void> {
    const now = new Date();
    const spent = await em.nativeUpdate(
      MfaTicket,
      { id: ticketId, usedAt: null, expiresAt: { $gt: now } },
      { usedAt: now },
    );
    if (spent !== 1) throw invalidTicket();
  }

  /** Kills every open ticket of a user (TOTP turned off: a ticket must not outlive what it asked for). */
  async revokeAll(em: EntityManager, userId: string): Promise<void> {
    await em.nativeUpdate(MfaTicket, { user: userId, usedAt: null }, { usedAt: new Date() });
  }
}
