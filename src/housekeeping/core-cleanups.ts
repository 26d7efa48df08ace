import { LockMode } from '@mikro-orm/core';

import { isPostgres } from '../database/orm';
import { transaction } from '../database/unit-of-work';
import { Session } from '../sessions/session.entity';
import { OneTimeToken } from '../tokens/one-time-token.entity';
import { User } from '../users/user.entity';
import type { Webhooks } from '../webhooks/webhooks';
import type { Housekeeping } from './housekeeping';

// Ended sessions stay a day: a client retrying meanwhile still gets TOKEN_EXPIRED rather than a bare
// INVALID_TOKEN, and a log line's session id can still be looked up.
const ENDED_SESSION_RETENTION_MS = 24 * 3600_000;
// Accounts per run: bounds one run's transaction; the rest go next interval.
const ACCOUNT_BATCH = 500;

/** The cleanups of the core: ended sessions, spent links, accounts never activated. */
export function addCoreCleanups(
  housekeeping: Housekeeping,
  config: { readonly activationTtlSec: number },
  webhooks: Webhooks,
): void {
  housekeeping.add('sessions', (em, now) => {
    const before = new Date(now.getTime() - ENDED_SESSION_RETENTION_MS);
    return em.nativeDelete(Session, {
      $or: [{ expiresAt: { $lt: before } }, { revokedAt: { $lt: before } }],
    });
  });

  // A used or expired link is refused the same whether its row exists or not.
  housekeeping.add('one-time-tokens', (em, now) =>
    em.nativeDelete(OneTimeToken, {
      $or: [{ usedAt: { $ne: null } }, { expiresAt: { $lt: now } }],
    }),
  );

  housekeeping.add('never-activated-accounts', async (em, now) => {
    const before = new Date(now.getTime() - config.activationTtlSec * 1000);
    const stale = await em.find(
      User,
      { isActive: false, createdAt: { $lt: before } },
      { fields: ['id'], limit: ACCOUNT_BATCH },
    );
    if (stale.length === 0) return 0;
    // A live link (a resent activation, or a reset, which activates) keeps the account.
    const live = await em.find(
      OneTimeToken,
      { user: { $in: stale.map((u) => u.id) }, usedAt: null, expiresAt: { $gt: now } },
      { fields: ['user'] },
    );
    const keep = new Set(live.map((t) => t.user.id));
    const ids = stale.map((u) => u.id).filter((id) => !keep.has(id));
    if (ids.length === 0) return 0;
    return transaction(em, async (uow) => {
      const tx = uow.em;
      // Explicit, not only ON DELETE CASCADE: nothing of the user may outlive the account on any driver.
      await tx.nativeDelete(OneTimeToken, { user: { $in: ids } });
      await tx.nativeDelete(Session, { user: { $in: ids } });
      // Still inactive at the moment of deletion: an activation racing this run wins. The rows are
      // locked first (PostgreSQL; SQLite's writer lock does the same), so the accounts announced as
      // user.deleted are exactly the ones deleted.
      const postgres = isPostgres(tx);
      const doomed = await tx.find(
        User,
        { id: { $in: ids }, isActive: false },
        { fields: ['id', 'email'], ...(postgres ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {}) },
      );
      if (doomed.length === 0) return 0;
      const deleted = await tx.nativeDelete(User, {
        id: { $in: doomed.map((u) => u.id) },
        isActive: false,
      });
      for (const user of doomed) {
        await webhooks.queue(uow, 'user.deleted', { id: user.id, email: user.email });
      }
      return deleted;
    });
  });
}
