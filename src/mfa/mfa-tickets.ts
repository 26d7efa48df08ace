import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { invalidToken, tokenExpired } from '../errors';
import { randomSecret, sha256 } from '../tokens/random';
import { MfaTicket } from './mfa-ticket.entity';

export const TICKET_TTL_MS = 5 * 60_000;
export const TICKET_MAX_ATTEMPTS = 5;

export const invalidTicket = () =>
  invalidToken('This sign-in ticket is invalid or was used up: sign in again.');

/**
 * The `mfaTicket` of MFA_REQUIRED: 256 random bits handed to the client, only their SHA-256 stored, so
 * any process of a deployment finishes it. Lives 5 minutes; dies after 5 wrong codes or one success.
 */
export class MfaTickets {
  /** Stores a ticket for a proven first factor and returns it (written at once, outside any transaction). */
  async create(em: EntityManager, userId: string, method: string): Promise<string> {
    const ticket = randomSecret();
    const now = new Date();
    await em.insert(MfaTicket, {
      id: randomUUID(),
      ticketHash: sha256(ticket),
      user: userId,
      method,
      attempts: 0,
      createdAt: now,
      expiresAt: new Date(now.getTime() + TICKET_TTL_MS),
      usedAt: null,
    });
    return ticket;
  }

  /** The live ticket. Throws INVALID_TOKEN (unknown, used, dead), TOKEN_EXPIRED. */
  async find(em: EntityManager, ticket: unknown): Promise<MfaTicket> {
    if (typeof ticket !== 'string' || ticket.length === 0 || ticket.length > 128)
      throw invalidTicket();
    const found = await em.findOne(MfaTicket, { ticketHash: sha256(ticket) });
    if (!found || found.usedAt || found.attempts >= TICKET_MAX_ATTEMPTS) throw invalidTicket();
    if (found.expiresAt.getTime() <= Date.now())
      throw tokenExpired('This sign-in ticket has expired: sign in again.');
    return found;
  }

  /**
   * Reserves one try on the ticket before its code is checked, in one statement (committed at once):
   * of any number of codes sent at once, at most TICKET_MAX_ATTEMPTS are ever checked. Returns the
   * try's number (1 for the first), or null when the ticket is used, dead or expired.
   */
  async reserveTry(em: EntityManager, ticket: MfaTicket): Promise<number | null> {
    const at = (date: Date) => em.getPlatform().processDateProperty(date) as unknown;
    const rows: Array<{ attempts: number | string }> = await em.getConnection().execute(
      `update mfa_tickets set attempts = attempts + 1
         where id = ? and attempts < ? and used_at is null and expires_at > ?
         returning attempts`,
      [ticket.id, TICKET_MAX_ATTEMPTS, at(new Date())],
    );
    return rows.length === 1 ? Number(rows[0]!.attempts) : null;
  }

  /**
   * Uses the ticket up, atomically: of parallel completions, one wins. Its try is already reserved
   * (`reserveTry`), so the fifth may spend it. Throws INVALID_TOKEN.
   */
  async spend(em: EntityManager, ticket: MfaTicket): Promise<void> {
    const now = new Date();
    const spent = await em.nativeUpdate(
      MfaTicket,
      { id: ticket.id, usedAt: null, expiresAt: { $gt: now } },
      { usedAt: now },
    );
    if (spent !== 1) throw invalidTicket();
  }

  /** Kills every open ticket of a user (TOTP turned off: a ticket must not outlive what it asked for). */
  async revokeAll(em: EntityManager, userId: string): Promise<void> {
    await em.nativeUpdate(MfaTicket, { user: userId, usedAt: null }, { usedAt: new Date() });
  }
}
