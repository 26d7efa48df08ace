import type { EntityManager } from '@mikro-orm/core';
import { TtlCache } from '../cache/ttl-cache';
import type { UnitOfWork } from '../database/unit-of-work';
import type { MaybePromise } from '../maybe-promise';
import { readLiveSessionUser, readUser, type UserSnapshot } from './user-snapshot';

const isSnapshot = (snapshot: UserSnapshot | null) => snapshot !== null;

/**
 * Remembers the public view of a user for a short TTL (SESSION_CACHE_TTL), so `me` costs no database
 * round trip. Same trade-off as the session cache: a change made by *another* process shows here after at
 * most `ttlMs`; a change made here registers `invalidateOnCommit` in its unit of work.
 */
export class UserCache {
  readonly cache: TtlCache<string, UserSnapshot | null>;

  constructor(ttlMs: number, maxEntries = 10_000) {
    this.cache = new TtlCache(ttlMs, maxEntries);
  }

  /**
   * The user's snapshot, or null if there is no such user (never cached: that is the rare path). `em`
   * is asked for only on a miss: a `me` answered from the cache never forks one, and gets the snapshot
   * at once, not in a promise.
   */
  get(em: () => EntityManager, id: string): MaybePromise<UserSnapshot | null> {
    return this.cache.get(id, () => readUser(em(), id), isSnapshot);
  }

  /** Every write to a user registers this: the next `get` after the commit reads the database again. */
  invalidateOnCommit(uow: UnitOfWork, id: string): void {
    uow.afterCommit(() => this.invalidate(id));
  }

  /** Drops the user now (a change committed elsewhere, e.g. announced by a sibling process). */
  invalidate(id: string, origin: 'local' | 'remote' = 'local'): void {
    this.cache.invalidate(id, origin);
  }

  /**
   * Whether the session is live, read with its owner in one query; the owner is cached unless a user
   * was invalidated while the read was in flight. The session service's database read.
   */
  readonly readLiveSession = async (em: EntityManager, sessionId: string): Promise<boolean> => {
    const mark = this.mark();
    const user = await readLiveSessionUser(em, sessionId);
    if (user) this.prime(user, mark);
    // The user row decides too: a session opened while an admin disabled the account is not live.
    return user !== null && !user.disabled;
  };

  /** Take before reading a snapshot elsewhere (the live-session check), hand to prime() after. */
  mark(): number {
    return this.cache.mark();
  }

  /** Stores a snapshot read elsewhere, unless any user was invalidated since `mark` was taken. */
  prime(user: UserSnapshot, mark: number): void {
    this.cache.prime(user.id, user, mark);
  }
}
