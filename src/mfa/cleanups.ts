import type { Housekeeping } from '../housekeeping/housekeeping';
import { MfaTicket } from './mfa-ticket.entity';

/** Spent and expired sign-in tickets: refused the same whether their row exists or not. */
export function addMfaCleanups(housekeeping: Housekeeping): void {
  housekeeping.add('mfa-tickets', (em, now) =>
    em.nativeDelete(MfaTicket, { $or: [{ usedAt: { $ne: null } }, { expiresAt: { $lt: now } }] }),
  );
}
