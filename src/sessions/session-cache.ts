import { TtlCache } from '../cache/ttl-cache';
import type { UnitOfWork } from '../database/unit-of-work';
import type { MaybePromise } from '../maybe-promise';

/**
 * Remembers for a short TTL whether a session is live, so a protected request does not cost a database
 * round trip. Trade-off: a session ended by *another* process is still honoured here for up to `ttlMs`;
 * sessions ended in this process are dropped at once, and a read in flight then cannot bring them back.
 */
export class SessionCache {
  readonly cache: TtlCache<string, boolean>;

  constructor(ttlMs: number, maxEntries = 50_000) {
    this.cache = new TtlCache(ttlMs, maxEntries);
  }

  /** An answer in memory comes back at once, not in a promise (every protected request). */
  isLive(sessionId: string, load: () => Promise<boolean>): MaybePromise<boolean> {
    return this.cache.get(sessionId, load);
  }

  /**
   * Ends the sessions here at once; for sessions ended in a transaction use endOnCommit. `remote`: a
   * sibling worker ended them (not announced again).
   */
  markEnded(sessionIds: Iterable<string>, origin: 'local' | 'remote' = 'local'): void {
    for (const id of sessionIds) this.cache.pin(id, false, origin);
  }

  /** Ends the sessions here once the unit of work commits (nothing if it rolls back). */
  endOnCommit(uow: UnitOfWork, sessionIds: readonly string[]): void {
    if (sessionIds.length > 0) uow.afterCommit(() => this.markEnded(sessionIds));
  }
}
