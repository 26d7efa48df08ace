import type { EntityManager } from '@mikro-orm/core';
import { BoundedMap } from '../bounded-map';
import { readUser, type UserSnapshot } from './user-snapshot';

/**
 * Remembers the public view of a user for a short TTL (SESSION_CACHE_TTL), so `me` costs no database
 * round trip. Same trade-off as the session cache: a change made by *another* process shows here after at
 * most `ttlMs`; whatever changes a user in this process must call `invalidate(id)`. Bounded: the oldest
 * entries are evicted first.
 */
export class UserCache {
  private readonly entries: BoundedMap<string, { user: UserSnapshot; until: number }>;
  private readonly inFlight = new Map<string, Promise<UserSnapshot | null>>();
  /** Bumped by every invalidate(): a snapshot read before it must not be stored by prime(). */
  private generation = 0;
  /** Lookups answered from memory / from the database (metrics read them at scrape time). */
  hits = 0;
  misses = 0;

  constructor(
    private readonly ttlMs: number,
    maxEntries = 10_000,
  ) {
    this.entries = new BoundedMap(maxEntries);
  }

  /** The user's snapshot, or null if there is no such user (never cached: that is the rare path). */
  async get(em: EntityManager, id: string): Promise<UserSnapshot | null> {
    const hit = this.entries.get(id);
    if (hit && hit.until > Date.now()) {
      this.hits++;
      return hit.user;
    }
    this.misses++;
    // One database read per user however many requests arrive at once.
    let pending = this.inFlight.get(id);
    if (!pending) {
      const load: Promise<UserSnapshot | null> = readUser(em, id)
        .then((snapshot) => {
          // Not stored if invalidated while the read was in flight: the row read may predate the change.
          if (snapshot && this.inFlight.get(id) === load) this.set(id, snapshot);
          return snapshot;
        })
        .finally(() => {
          if (this.inFlight.get(id) === load) this.inFlight.delete(id);
        });
      pending = load;
      this.inFlight.set(id, pending);
    }
    return pending;
  }

  /** Call after changing or deleting a user: the next `get` reads the database again. */
  invalidate(id: string): void {
    this.entries.delete(id);
    this.inFlight.delete(id);
    this.generation++;
  }

  /** Take before reading a snapshot elsewhere (the live-session check), hand to prime() after. */
  mark(): number {
    return this.generation;
  }

  /** Stores a snapshot read elsewhere, unless any user was invalidated since `mark` was taken. */
  prime(user: UserSnapshot, mark: number): void {
    if (mark === this.generation) this.set(user.id, user);
  }

  private set(id: string, user: UserSnapshot): void {
    this.entries.set(id, { user, until: Date.now() + this.ttlMs });
  }
}
